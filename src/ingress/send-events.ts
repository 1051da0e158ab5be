import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'
import { drainedOrClosed } from '../drained-or-closed.ts'

/**
 * Sends an SSE body as it is produced, with the headers that keep proxies from buffering it. The events are
 * written straight to the socket, one write each, waiting for `drain` when the client reads slowly; a
 * `Readable.from` piped by Fastify cost a stream and its pipe machinery on every chunk. `events` must not throw:
 * the encoders turn a failure into their protocol's error event. A client that leaves stops the iteration,
 * which releases the provider call.
 */
export function sendEvents (reply: FastifyReply, events: AsyncIterable<string | Buffer>): FastifyReply {
  reply
    .type('text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    .hijack()
  const response = reply.raw
  response.writeHead(200, reply.getHeaders() as OutgoingHttpHeaders)
  pump(response, events).catch((error: unknown) => {
    reply.log.error({ err: error }, 'stream: could not write the response')
    response.destroy()
  })
  return reply
}

async function pump (response: ServerResponse, events: AsyncIterable<string | Buffer>): Promise<void> {
  for await (const event of events) {
    if (response.destroyed) return
    if (!response.write(event)) await drainedOrClosed(response)
  }
  if (!response.destroyed) response.end()
}
