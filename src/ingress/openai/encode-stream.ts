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
export function encodeOpenAIStream (
  first: ChatChunk | undefined,
  rest: AsyncIterator<ChatChunk>,
  options: OpenAIStreamOptions
): AsyncIterableIterator<string> {
  return new OpenAIStreamEncoder(first, rest, options)
}

/**
 * A plain async iterator rather than an async generator: it sits on every chunk of every stream, and a generator
 * layer costs several promise turns per chunk.
 */
class OpenAIStreamEncoder implements AsyncIterableIterator<string> {
  private usage: Usage | undefined
  private envelope: { id: string, created: number, model: string } | undefined
  private readonly rolesSent = new Set<number>()
  private phase: 'first' | 'rest' | 'usage' | 'done' | 'over' = 'first'

  constructor (
    private first: ChatChunk | undefined,
    private readonly rest: AsyncIterator<ChatChunk>,
    private readonly options: OpenAIStreamOptions
  ) {}

  [Symbol.asyncIterator] (): this { return this }

  async next (): Promise<IteratorResult<string>> {
    try {
      if (this.phase === 'first') {
        this.phase = 'rest'
        const first = this.first
        this.first = undefined
        const text = first === undefined ? undefined : this.encode(first)
        if (text !== undefined) return { done: false, value: text }
      }
      while (this.phase === 'rest') {
        let result: IteratorResult<ChatChunk>
        try {
          result = await this.rest.next()
        } catch (error) {
          // The provider stream failed; it has already let its call go.
          this.phase = 'over'
          return this.failed(error)
        }
        if (result.done === true) {
          this.phase = 'usage'
          break
        }
        const text = this.encode(result.value)
        if (text !== undefined) return { done: false, value: text }
      }
      if (this.phase === 'usage') {
        this.phase = 'done'
        const { usage, envelope } = this
        if (this.options.includeUsage && usage !== undefined && envelope !== undefined) {
          return {
            done: false,
            value: encodeSseEvent(JSON.stringify({ id: envelope.id, object: 'chat.completion.chunk', created: envelope.created, model: envelope.model, choices: [], usage }))
          }
        }
      }
      if (this.phase === 'done') {
        this.phase = 'over'
        this.options.onEnd?.({ usage: this.usage, error: undefined })
        return { done: false, value: DONE }
      }
      return { done: true, value: undefined }
    } catch (error) {
      // A chunk could not be encoded: the provider stream is let go too.
      this.phase = 'over'
      this.rest.return?.().catch(() => undefined)
      return this.failed(error)
    }
  }

  /** One error event ends the stream. */
  private failed (error: unknown): IteratorResult<string> {
    this.options.onEnd?.({ usage: this.usage, error })
    return { done: false, value: encodeSseEvent(JSON.stringify(renderOpenAIError(asGatewayError(error)))) }
  }

  /** The consumer stopped early (the client left): the provider stream is let go, and the end is reported. */
  async return (): Promise<IteratorResult<string>> {
    if (this.phase !== 'over') {
      this.phase = 'over'
      try {
        await this.rest.return?.()
      } finally {
        this.options.onEnd?.({ usage: this.usage, error: undefined })
      }
    }
    return { done: true, value: undefined }
  }

  private encode (chunk: ChatChunk): string | undefined {
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
}
