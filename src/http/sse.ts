import type { EventSourceMessage } from 'eventsource-parser'

export type SseEvent = EventSourceMessage

/** One SSE event as bytes on the wire. `data` must not contain a newline (JSON.stringify output never does). */
export function encodeSseEvent (data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`
}
