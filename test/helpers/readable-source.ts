import type { Readable } from 'node:stream'
import type { ByteListener, ByteSource } from '../../src/call/pushed-stream.ts'

/**
 * A Readable as a `ByteSource`, for tests that play a provider's body by pushing into a stream. The gateway reads
 * real answers from undici's dispatch callbacks (`src/call/upstream-client.ts`); this follows the same contract: bytes, then
 * the end or an error, a close before the end counting as an error, and `close` cutting off a body not yet ended.
 */
export function readableSource (body: Readable): ByteSource {
  let listener: ByteListener | undefined
  let ended = false
  body.on('end', () => { ended = true })
  return {
    listen: (next) => {
      listener = next
      if (body.destroyed) {
        next.error(body.errored ?? prematureClose())
        return
      }
      body.on('data', (bytes: Buffer | string) => { listener?.data(bytes) })
      body.on('end', () => { listener?.end() })
      body.on('error', (error) => { listener?.error(error) })
      body.on('close', () => { if (!ended) listener?.error(prematureClose()) })
    },
    pause: () => { body.pause() },
    resume: () => { if (body.isPaused()) body.resume() },
    close: () => {
      listener = undefined
      if (!ended) body.destroy()
    }
  }
}

function prematureClose (): Error {
  return Object.assign(new Error('the provider body closed before it ended'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })
}
