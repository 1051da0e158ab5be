import type { ChatChunk } from '../../canonical/chat-chunk.ts'
import type { Usage } from '../../canonical/usage.ts'
import { encodeSseEvent } from '../../sse.ts'
import { asGatewayError, renderOpenAIError } from './errors.ts'

export interface OpenAIStreamOptions {
  includeUsage: boolean
  /** Called with the latest usage the provider reported, once the stream has ended (also on failure). */
  onEnd?: (outcome: { usage: Usage | undefined, error: unknown }) => void
}

const DONE = 'data: [DONE]\n\n'

/**
 * Canonical chunks -> OpenAI SSE bytes, one write per chunk. Keeps `id` and `created` identical on every
 * chunk, makes sure the first delta carries `role`, holds usage back for one final `choices: []` chunk when
 * the client asked for it (and removes it otherwise), and always ends with `[DONE]` or an in-band error event.
 */
export async function * encodeOpenAIStream (
  first: ChatChunk | undefined,
  rest: AsyncIterable<ChatChunk>,
  options: OpenAIStreamOptions
): AsyncGenerator<string> {
  let usage: Usage | undefined
  let envelope: { id: string, created: number, model: string } | undefined
  const rolesSent = new Set<number>()
  let failure: unknown

  const encode = (chunk: ChatChunk): string | undefined => {
    if (chunk.usage != null) usage = chunk.usage
    if (chunk.choices.length === 0) return undefined
    envelope ??= { id: chunk.id, created: chunk.created, model: chunk.model }
    chunk.id = envelope.id
    chunk.created = envelope.created
    for (const choice of chunk.choices) {
      if (!rolesSent.has(choice.index)) {
        rolesSent.add(choice.index)
        if (choice.delta.role === undefined) choice.delta = { role: 'assistant', ...choice.delta }
      } else if (choice.delta.role !== undefined) {
        delete choice.delta.role
      }
    }
    if (options.includeUsage) chunk.usage = null
    else delete chunk.usage
    return encodeSseEvent(JSON.stringify(chunk))
  }

  try {
    if (first !== undefined) {
      const text = encode(first)
      if (text !== undefined) yield text
    }
    for await (const chunk of rest) {
      const text = encode(chunk)
      if (text !== undefined) yield text
    }
    if (options.includeUsage && usage !== undefined && envelope !== undefined) {
      yield encodeSseEvent(JSON.stringify({
        id: envelope.id,
        object: 'chat.completion.chunk',
        created: envelope.created,
        model: envelope.model,
        choices: [],
        usage
      }))
    }
    yield DONE
  } catch (error) {
    failure = error
    yield encodeSseEvent(JSON.stringify(renderOpenAIError(asGatewayError(error))))
  } finally {
    options.onEnd?.({ usage, error: failure })
  }
}
