import type { Readable } from 'node:stream'
import { createParser, type EventSourceMessage } from 'eventsource-parser'

export type SseEvent = EventSourceMessage

/**
 * Parses a byte stream of Server-Sent Events into events, one at a time, as bytes arrive.
 * UTF-8 sequences and lines split across chunks, CRLF, comments and multi-line `data` are handled by
 * `eventsource-parser`; a final event without its blank line is still delivered at end of stream.
 * `onEvent` hears of each event (comments included) as it is parsed, before it is yielded.
 */
export function parseSse (body: AsyncIterable<Uint8Array | string>, onEvent?: () => void): AsyncIterableIterator<SseEvent> {
  return isNodeReadable(body) ? new ReadableSseEvents(body, onEvent) : parseIterable(body, onEvent)
}

async function * parseIterable (body: AsyncIterable<Uint8Array | string>, onEvent?: () => void): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  let pending: SseEvent[] = []
  const parser = createParser({
    onEvent: (event) => { onEvent?.(); pending.push(event) },
    ...(onEvent === undefined ? {} : { onComment: onEvent })
  })
  for await (const chunk of body) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))
    if (pending.length > 0) {
      const ready = pending
      pending = []
      yield * ready
    }
  }
  // A last event without its terminating blank line is still an event (some recordings end that way).
  parser.feed(decoder.decode() + '\n\n')
  yield * pending
}

const ignoreError = (): void => {}

function prematureClose (): Error {
  return Object.assign(new Error('the provider body closed before it ended'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })
}

/** Events parsed ahead of the consumer before the provider's body is paused. */
const READ_AHEAD_EVENTS = 64

/**
 * The events of a provider's response body, read from its `data` events and parsed as they come: one layer per
 * chunk instead of the Readable's own async iterator plus a generator over it. The body is paused while the
 * consumer is behind, so backpressure reaches the provider. A consumer that stops early leaves the body to its
 * owner (see `releaseBody`) rather than destroying it, which would make an abort error with a stack trace for
 * every stream.
 */
class ReadableSseEvents implements AsyncIterableIterator<SseEvent> {
  private readonly queue: SseEvent[] = []
  private head = 0
  private ended = false
  private stopped = false
  private failure: unknown
  private waiting: { resolve: (result: IteratorResult<SseEvent>) => void, reject: (error: unknown) => void } | undefined
  private readonly decoder = new TextDecoder()
  private readonly parser

  constructor (private readonly body: Readable, onEvent: (() => void) | undefined) {
    this.parser = createParser({
      onEvent: (event) => { onEvent?.(); this.queue.push(event) },
      ...(onEvent === undefined ? {} : { onComment: onEvent })
    })
    if (body.destroyed) {
      this.failure = body.errored ?? prematureClose()
      return
    }
    body.on('data', this.onData)
    body.on('end', this.onEnd)
    body.on('error', this.onError)
    body.on('close', this.onClose)
  }

  [Symbol.asyncIterator] (): this { return this }

  async next (): Promise<IteratorResult<SseEvent>> {
    const event = this.take()
    if (event !== undefined) return { done: false, value: event }
    if (this.failure !== undefined) throw this.failure
    if (this.ended) return { done: true, value: undefined }
    if (this.body.isPaused()) this.body.resume()
    return await new Promise((resolve, reject) => { this.waiting = { resolve, reject } })
  }

  async return (): Promise<IteratorResult<SseEvent>> {
    this.stop()
    return { done: true, value: undefined }
  }

  private readonly onData = (chunk: Buffer | string): void => {
    this.parser.feed(typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }))
    this.deliver()
    if (this.queue.length - this.head >= READ_AHEAD_EVENTS) this.body.pause()
  }

  private readonly onEnd = (): void => {
    // A last event without its terminating blank line is still an event (some recordings end that way).
    this.parser.feed(this.decoder.decode() + '\n\n')
    this.ended = true
    this.stop()
    this.deliver()
  }

  private readonly onError = (error: unknown): void => {
    this.failure = error
    this.stop()
    this.deliver()
  }

  private readonly onClose = (): void => {
    if (!this.ended && this.failure === undefined) this.onError(prematureClose())
  }

  /** Hands the next event, the end or the failure to a consumer that is waiting for it. */
  private deliver (): void {
    const waiting = this.waiting
    if (waiting === undefined) return
    const event = this.take()
    if (event !== undefined) {
      this.waiting = undefined
      waiting.resolve({ done: false, value: event })
    } else if (this.failure !== undefined) {
      this.waiting = undefined
      waiting.reject(this.failure)
    } else if (this.ended) {
      this.waiting = undefined
      waiting.resolve({ done: true, value: undefined })
    }
  }

  private take (): SseEvent | undefined {
    if (this.head === this.queue.length) return undefined
    const event = this.queue[this.head++]
    if (this.head === this.queue.length) {
      this.queue.length = 0
      this.head = 0
    }
    return event
  }

  /** Stops reading. An error the body emits later (its owner aborting it) is no longer news to anyone here. */
  private stop (): void {
    if (this.stopped) return
    this.stopped = true
    this.body.off('data', this.onData)
    this.body.off('end', this.onEnd)
    this.body.off('error', this.onError)
    this.body.off('close', this.onClose)
    this.body.on('error', ignoreError)
  }
}

function isNodeReadable (body: AsyncIterable<Uint8Array | string>): body is Readable {
  return typeof (body as Partial<Readable>).iterator === 'function'
}

/**
 * Lets go of a provider's response body once its consumer is done with it. A body whose end has already arrived
 * is read out, so its connection goes back to the pool; one still open (the consumer stopped early, or failed) is
 * destroyed, which closes the connection.
 */
export function releaseBody (body: Readable): void {
  if (body.destroyed) return
  if (body.readableEnded || (body as Readable & { _readableState?: { ended?: boolean } })._readableState?.ended === true) body.resume()
  else body.destroy()
}

/** One SSE event as bytes on the wire. `data` must not contain a newline (JSON.stringify output never does). */
export function encodeSseEvent (data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`
}
