import type { IncomingMessage } from 'node:http'

/**
 * Waits until the rest of a refused request's body has been read and thrown away, so that the answer (a 413, a
 * 401 before the body was read…) reaches a client that is still uploading: answered mid-upload, the connection
 * closes under the client and most SDKs see a broken pipe instead of the status. At most `maxBytes` more are
 * read; past that, or if the client goes, it resolves at once and the connection is not kept.
 */
export async function drainRequest (raw: IncomingMessage, maxBytes: number): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return
  const declared = Number(raw.headers['content-length'])
  if (Number.isFinite(declared) && declared - raw.socket.bytesRead > maxBytes) return
  await new Promise<void>((resolve) => {
    let read = 0
    const done = (): void => {
      raw.off('data', onData)
      raw.off('end', done)
      raw.off('close', done)
      raw.off('error', done)
      resolve()
    }
    const onData = (chunk: Buffer): void => {
      read += chunk.length
      if (read > maxBytes) done()
    }
    raw.on('data', onData)
    raw.once('end', done)
    raw.once('close', done)
    raw.once('error', done)
    raw.resume()
  })
}
