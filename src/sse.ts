import { createParser, type EventSourceMessage } from 'eventsource-parser'

export type SseEvent = EventSourceMessage

/**
 * Parses a byte stream of Server-Sent Events into events, one at a time, as bytes arrive.
 * UTF-8 sequences and lines split across chunks, CRLF, comments and multi-line `data` are handled by
 * `eventsource-parser`; a final event without its blank line is still delivered at end of stream.
 * `onEvent` hears of each event (comments included) as it is parsed, before it is yielded.
 */
export async function * parseSse (body: AsyncIterable<Uint8Array | string>, onEvent?: () => void): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  let pending: SseEvent[] = []
  const parser = createParser({
    onEvent: onEvent === undefined ? (event) => { pending.push(event) } : (event) => { onEvent(); pending.push(event) },
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

/** One SSE event as bytes on the wire. `data` must not contain a newline (JSON.stringify output never does). */
export function encodeSseEvent (data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`
}
