import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'

export async function readFixture (provider: string, name: string): Promise<Buffer> {
  return await readFile(fileURLToPath(new URL(`../../providers/${provider}/fixtures/${name}`, import.meta.url)))
}

export async function readJsonFixture (provider: string, name: string): Promise<unknown> {
  return JSON.parse((await readFixture(provider, name)).toString('utf8'))
}

/** The bytes as a stream cut at the given offsets (each piece a separate chunk). */
export function splitAt (bytes: Buffer, offsets: readonly number[]): Readable {
  const pieces: Buffer[] = []
  let start = 0
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    pieces.push(bytes.subarray(start, offset))
    start = offset
  }
  pieces.push(bytes.subarray(start))
  return Readable.from(pieces.filter((piece) => piece.length > 0))
}

/** A recorder's one-JSON-per-line file, framed as the SSE the provider sent. */
export function framedAsSse (jsonLines: Buffer): Buffer {
  const events = jsonLines.toString('utf8').split('\n').filter((line) => line.trim() !== '')
  return Buffer.from(events.map((line) => `data: ${line}\n\n`).join('') + 'data: [DONE]\n\n')
}
