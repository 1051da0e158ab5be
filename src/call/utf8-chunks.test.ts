import t from 'tap'
import { utf8Chunks } from './utf8-chunks.ts'

const decodeAll = (pieces: Buffer[]): string => {
  const text = utf8Chunks()
  return pieces.map((piece) => text.decode(piece)).join('') + text.end()
}

t.test('every cut of a text with 2-, 3- and 4-byte characters decodes to the same text', async (t) => {
  const original = 'data: é ✓ 🌍 done\n\n'
  const bytes = Buffer.from(original)
  for (let first = 1; first < bytes.length; first++) {
    for (let second = first + 1; second <= bytes.length; second++) {
      const decoded = decodeAll([bytes.subarray(0, first), bytes.subarray(first, second), bytes.subarray(second)])
      if (decoded !== original) t.fail(`cut at ${first} and ${second}: ${JSON.stringify(decoded)}`)
    }
  }
  t.equal(decodeAll([...bytes].map((byte) => Buffer.from([byte]))), original, 'one byte at a time')
})

t.test('a character the stream never completes ends as a replacement character; strings pass as they are', async (t) => {
  const text = utf8Chunks()
  t.equal(text.decode('plain'), 'plain')
  t.equal(text.decode(Buffer.from([0x61, 0xf0, 0x9f])), 'a')
  t.equal(text.end(), '\ufffd')
})
