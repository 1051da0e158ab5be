import type { ChatChunk } from '../../canonical/chat-chunk.ts'
import type { Usage } from '../../canonical/usage.ts'
import { encodeSseEvent } from '../../http/sse.ts'
import type { StreamEncoding } from '../stream-encoding.ts'
import { asGatewayError, renderOpenAIError } from './errors.ts'

export interface OpenAIStreamOptions {
  includeUsage: boolean
  /** Called with the latest usage the provider reported, once the stream has ended (also on failure). */
  onEnd?: (outcome: { usage: Usage | undefined, error: unknown }) => void
}

const DONE = 'data: [DONE]\n\n'

/**
 * Canonical chunks -> OpenAI SSE text, one event per chunk. Keeps `id` and `created` identical on every chunk,
 * makes sure the first delta carries `role`, holds usage back for one final `choices: []` chunk when the client
 * asked for it (and removes it otherwise), and ends with `[DONE]` or one in-band error event.
 */
export class OpenAIStreamEncoding implements StreamEncoding {
  private usage: Usage | undefined
  private envelope: { id: string, created: number, model: string } | undefined
  private readonly rolesSent = new Set<number>()
  private ended = false

  constructor (private readonly options: OpenAIStreamOptions) {}

  chunk (chunk: ChatChunk): string | undefined {
    if (chunk.usage != null) this.usage = chunk.usage
    if (chunk.choices.length === 0) return undefined
    this.envelope ??= { id: chunk.id, created: chunk.created, model: chunk.model }
    chunk.id = this.envelope.id
    chunk.created = this.envelope.created
    for (const choice of chunk.choices) {
      if (!this.rolesSent.has(choice.index)) {
        this.rolesSent.add(choice.index)
        if (choice.delta.role === undefined) choice.delta = { role: 'assistant', ...choice.delta }
      } else if (choice.delta.role !== undefined) {
        delete choice.delta.role
      }
    }
    if (this.options.includeUsage) chunk.usage = null
    else delete chunk.usage
    return encodeSseEvent(JSON.stringify(chunk))
  }

  end (): string {
    this.report(undefined)
    const { usage, envelope } = this
    if (!this.options.includeUsage || usage === undefined || envelope === undefined) return DONE
    const usageChunk = { id: envelope.id, object: 'chat.completion.chunk', created: envelope.created, model: envelope.model, choices: [], usage }
    return encodeSseEvent(JSON.stringify(usageChunk)) + DONE
  }

  fail (error: unknown): string {
    this.report(error)
    return encodeSseEvent(JSON.stringify(renderOpenAIError(asGatewayError(error))))
  }

  abandon (): void {
    this.report(undefined)
  }

  private report (error: unknown): void {
    if (this.ended) return
    this.ended = true
    this.options.onEnd?.({ usage: this.usage, error })
  }
}
