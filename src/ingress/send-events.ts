import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'

/** Sends an SSE body as it is produced, with the headers that keep proxies from buffering it. */
export function sendEvents (reply: FastifyReply, events: AsyncIterable<string | Buffer>): FastifyReply {
  return reply
    .type('text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    .send(Readable.from(events, { objectMode: false }))
}
