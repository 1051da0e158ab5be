import type { Readable } from 'node:stream'
import { createParser, type EventSourceMessage } from 'eventsource-parser'

export type SseEvent = EventSourceMessage

/**
 * Parses a byte stream of Server-Sent Events into events, one at a time, as bytes arrive.
 * UTF-8 sequences and lines split across chunks, CRLF, comments and multi-line `data` are handled by
 * `eventsource-parser`; a final event without its blank line is still delivered at end of stream.
 * `onEvent` hears of each event (comments included) as it is parsed, before it is yielded.
 */
export async function * parseSse (body: AsyncIterable<Uint8Array | string>, onEvent?: () => void): AsyncGenerator<SseEvent> {
  // A consumer that stops at the end marker leaves a Readable to its owner (see `releaseBody`): the default
  // iterator would destroy it here, making an abort error with a stack trace for every stream.
  const chunks = isNodeReadable(body) ? body.iterator({ destroyOnReturn: false }) : body
  const decoder = new TextDecoder()
  let pending: SseEvent[] = []
  const parser = createParser({
    onEvent: onEvent === undefined ? (event) => { pending.push(event) } : (event) => { onEvent(); pending.push(event) },
    ...(onEvent === undefined ? {} : { onComment: onEvent })
  })
  for await (const chunk of chunks) {
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
