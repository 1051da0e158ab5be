import type { Readable } from 'node:stream'
import type { EventSourceMessage } from 'eventsource-parser'

export type SseEvent = EventSourceMessage

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
