import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'
import type { PushedStream } from '../call/pushed-stream.ts'
import type { StreamEncoding } from '../ingress/stream-encoding.ts'

/**
 * Sends a provider's chunks as they are made: each one is encoded and written in the same turn as the bytes that
 * brought it, with no promise in between. When the client reads slowly, the provider's body is paused until the
 * response drains; when the client leaves, the provider call is let go.
 */
export function sendChunkStream<T> (reply: FastifyReply, first: T | undefined, chunks: PushedStream<T>, encoding: StreamEncoding<T>): FastifyReply {
  const response = startEventStream(reply)
  let over = false
  const keepAlive = encoding.keepAlive
  const silence = keepAlive === undefined
    ? undefined
    : setTimeout(function ping () {
      response.write(keepAlive.text)
      silence?.refresh()
    }, keepAlive.afterMs)
  const letGo = (): void => {
    over = true
    clearTimeout(silence)
    response.off('close', onClose)
    response.off('drain', onDrain)
  }
  const finish = (last: string): void => {
    letGo()
    if (!response.destroyed) response.end(last)
  }
  const onClose = (): void => {
    if (over) return
    letGo()
    chunks.stop()
    encoding.abandon()
  }
  const onDrain = (): void => { chunks.resume() }
  const write = (chunk: T): boolean => {
    let text: string | Buffer | undefined
    try {
      text = encoding.chunk(chunk)
    } catch (error) {
      // A chunk that cannot be encoded ends the stream; the provider call is let go.
      chunks.stop()
      finish(encoding.fail(error))
      return false
    }
    if (text === undefined) return true
    silence?.refresh()
    return response.write(text)
  }
  response.on('close', onClose)
  response.on('drain', onDrain)
  if (encoding.start !== undefined) response.write(encoding.start())
  if (first !== undefined) write(first)
  if (over) return reply
  chunks.pipeTo({
    chunk: write,
    end: () => { finish(encoding.end()) },
    fail: (error) => { finish(encoding.fail(error)) }
  })
  return reply
}

/** Takes the response over from Fastify and sends the SSE headers, which keep proxies from buffering. */
function startEventStream (reply: FastifyReply): ServerResponse {
  reply
    .type('text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    .hijack()
  const response = reply.raw
  response.writeHead(200, reply.getHeaders() as OutgoingHttpHeaders)
  return response
}
