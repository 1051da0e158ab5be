import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'
import { parseSse, type SseEvent } from './sse.ts'
import { collect } from '../test/helpers/gateway.ts'
import { splitAt } from '../test/helpers/fixtures.ts'

const providersDir = fileURLToPath(new URL('../providers/', import.meta.url))

async function sseFixtures (): Promise<Array<{ name: string, bytes: Buffer }>> {
  const out: Array<{ name: string, bytes: Buffer }> = []
  for (const provider of await readdir(providersDir)) {
    let files: string[]
    try {
      files = await readdir(`${providersDir}${provider}/fixtures`)
    } catch {
      continue
    }
    for (const file of files.filter((name) => name.endsWith('.sse'))) {
      out.push({ name: `${provider}/${file}`, bytes: await readFile(`${providersDir}${provider}/fixtures/${file}`) })
    }
  }
  return out
}

// Two-piece cuts at every offset of each recording's first 1,500 bytes (several whole events of every kind),
// plus the whole recording fed one byte at a time, which puts a cut at every offset of the file at once.
const CUT_WINDOW = 1500

t.test('parses every recorded stream identically when cut at every byte offset', async (t) => {
  const fixtures = await sseFixtures()
  t.ok(fixtures.length >= 8, 'has recorded streams to replay')
  for (const { name, bytes } of fixtures) {
    const whole = await collect(parseSse(Readable.from([bytes])))
    t.ok(whole.length > 0, `${name} has events`)
    let mismatches = 0
    for (let offset = 1; offset < Math.min(bytes.length, CUT_WINDOW); offset++) {
      const split = await collect(parseSse(splitAt(bytes, [offset])))
      if (JSON.stringify(split) !== JSON.stringify(whole)) mismatches++
    }
    t.equal(mismatches, 0, `${name}: every two-piece cut in the first ${CUT_WINDOW} bytes parses the same`)
    const byteByByte = await collect(parseSse(Readable.from([...bytes].map((byte) => Buffer.from([byte])))))
    t.same(byteByByte, whole, `${name}: one byte at a time parses the same`)
  }
})

t.test('keeps a multi-byte UTF-8 character split across chunks intact', async (t) => {
  const bytes = Buffer.from('data: {"text":"héllo 🌍"}\n\n')
  const emoji = bytes.indexOf(Buffer.from('🌍'))
  const events = await collect(parseSse(splitAt(bytes, [emoji + 1, emoji + 2, emoji + 3])))
  t.same(events.map((event) => JSON.parse(event.data)), [{ text: 'héllo 🌍' }])
})

t.test('handles CRLF, comments, event names and multi-line data', async (t) => {
  const text = ': keep-alive\r\n\r\nevent: message_start\r\ndata: {"a":1}\r\n\r\ndata: line one\ndata: line two\n\n'
  const events: SseEvent[] = await collect(parseSse(splitAt(Buffer.from(text), [3, 17, 40, 52])))
  t.same(events.map(({ event, data }) => ({ event, data })), [
    { event: 'message_start', data: '{"a":1}' },
    { event: undefined, data: 'line one\nline two' }
  ])
})

t.test('delivers a final event that lacks its blank line at end of stream', async (t) => {
  const events = await collect(parseSse(Readable.from([Buffer.from('data: {"a":1}\n\ndata: {"b":2}')])))
  t.same(events.map((event) => event.data), ['{"a":1}', '{"b":2}'])
})

t.test('yields events as they arrive, before the stream ends', async (t) => {
  const source = new Readable({ read () {} })
  const events = parseSse(source)
  source.push(Buffer.from('data: first\n\n'))
  const first = await events.next()
  t.equal(first.value?.data, 'first', 'first event is delivered while the stream is still open')
  source.push(null)
  t.equal((await events.next()).done, true)
})

t.test('a body that fails mid-stream fails the events after those already parsed', async (t) => {
  const source = new Readable({ read () {} })
  const events = parseSse(source)
  source.push(Buffer.from('data: one\n\n'))
  t.equal((await events.next()).value?.data, 'one')
  const pending = events.next()
  source.destroy(Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' }))
  await t.rejects(pending, { code: 'UND_ERR_SOCKET' }, 'the waiting consumer gets the body\'s error')
  await t.rejects(events.next(), { code: 'UND_ERR_SOCKET' }, 'and so does the next one')
})

t.test('a body that closes without ending is an error, not the end of the stream', async (t) => {
  const source = new Readable({ read () {} })
  const events = parseSse(source)
  const pending = events.next()
  source.destroy()
  await t.rejects(pending, { code: 'ERR_STREAM_PREMATURE_CLOSE' })
  await t.rejects(parseSse(source).next(), { code: 'ERR_STREAM_PREMATURE_CLOSE' }, 'nor is a body already destroyed')
})

t.test('a consumer that stops early leaves the body to its owner, and a later error is not thrown', async (t) => {
  const source = new Readable({ read () {} })
  const events = parseSse(source)
  source.push(Buffer.from('data: one\n\ndata: two\n\n'))
  t.equal((await events.next()).value?.data, 'one')
  await events.return?.()
  t.notOk(source.destroyed, 'stopping does not destroy the body')
  source.destroy(new Error('aborted by its owner'))
  await new Promise((resolve) => setImmediate(resolve))
  t.ok(source.destroyed, 'the owner aborting it later raises nothing')
})

t.test('a consumer that falls behind pauses the body, and reading on resumes it', async (t) => {
  const source = new Readable({ read () {} })
  const events = parseSse(source)
  for (let index = 0; index < 200; index++) source.push(Buffer.from(`data: ${index}\n\n`))
  await new Promise((resolve) => setImmediate(resolve))
  t.ok(source.isPaused(), 'paused while 200 events wait unread')
  const seen: string[] = []
  for (let index = 0; index < 200; index++) seen.push((await events.next()).value?.data ?? '')
  t.same(seen, Array.from({ length: 200 }, (_, index) => String(index)), 'every event, in order')
  t.notOk(source.isPaused(), 'reading on resumed it')
  source.push(null)
  t.equal((await events.next()).done, true)
})
