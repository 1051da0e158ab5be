import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'
import type { ChatChunk } from '../canonical/chat-chunk.ts'
import type { CreateStreamTranslator } from '../provider/stream-translator.ts'
import { GatewayError } from '../canonical/errors.ts'
import { translatedEvents } from './translated-stream.ts'
import { PushedStream, type ByteListener, type ByteSource, type ChunkSink } from './pushed-stream.ts'
import { readableSource } from '../../test/helpers/readable-source.ts'
import { createCallContext } from './call-provider.ts'
import { splitAt } from '../../test/helpers/fixtures.ts'
import { chunkStream, echoedEvent, echoEvents, replayStream } from '../../test/helpers/replay-stream.ts'

const providersDir = fileURLToPath(new URL('../../providers/', import.meta.url))
const ctx = createCallContext('test', 'test-model', 'req-test', true)

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

const events = async (body: Readable): Promise<Array<{ event?: string, data: string }>> =>
  (await replayStream(echoEvents, body)).map(echoedEvent)

/** A body the test feeds by hand. */
const openBody = (): Readable => new Readable({ read () {} })

const nextTurn = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

/** Each event's data as one chunk; `DONE` completes the stream, `BAD` fails it. */
const dataChunks: CreateStreamTranslator = (_ctx, emit) => ({
  event: (event) => {
    if (event.data === 'DONE') return true
    if (event.data === 'BAD') throw new GatewayError('upstream_error', 502, 'a bad event')
    emit({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: event.data }, finish_reason: null }] })
    return false
  },
  end: () => {}
})
const contentOf = (chunk: ChatChunk | undefined): string | undefined => chunk?.choices[0]?.delta.content ?? undefined

interface Hooked { stream: PushedStream<ChatChunk>, finished: () => number, failures: unknown[], seen: string[], holds: boolean[] }

/** A stream whose hooks record what they are told. */
function hooked (body: Readable, create: CreateStreamTranslator = dataChunks): Hooked {
  let finished = 0
  const failures: unknown[] = []
  const seen: string[] = []
  const holds: boolean[] = []
  const stream = new PushedStream<ChatChunk>(readableSource(body), translatedEvents(create, ctx, () => {}), {
    onChunk: (chunk) => { seen.push(contentOf(chunk) ?? '') },
    onHold: (held) => { holds.push(held) },
    fail: (error) => {
      failures.push(error)
      return new GatewayError('upstream_error', 502, `failed: ${(error as Error).message}`)
    },
    finish: () => { finished++ }
  })
  return { stream, finished: () => finished, failures, seen, holds }
}

/** A sink that records what it gets, and can refuse more until resumed. */
function recordingSink (accepting = true): ChunkSink<ChatChunk> & { got: string[], ended: number, failed: unknown[], accepting: boolean } {
  const sink = {
    got: [] as string[],
    ended: 0,
    failed: [] as unknown[],
    accepting,
    chunk: (chunk: ChatChunk) => {
      sink.got.push(contentOf(chunk) ?? '')
      return sink.accepting
    },
    end: () => { sink.ended++ },
    fail: (error: GatewayError) => { sink.failed.push(error) }
  }
  return sink
}

/** A stream whose first chunk ('0') has been taken, piped to a recording sink. */
async function pipedAfterFirst (accepting = true): Promise<{ body: Readable, stream: PushedStream<ChatChunk>, finished: () => number, holds: boolean[], sink: ReturnType<typeof recordingSink> }> {
  const body = openBody()
  const { stream, finished, holds } = hooked(body)
  const first = stream.first()
  body.push('data: 0\n\n')
  await first
  const sink = recordingSink(accepting)
  stream.pipeTo(sink)
  return { body, stream, finished, holds, sink }
}

// Two-piece cuts at every offset of each recording's first 1,500 bytes (several whole events of every kind),
// plus the whole recording fed one byte at a time, which puts a cut at every offset of the file at once.
const CUT_WINDOW = 1500

t.test('parses every recorded stream identically when cut at every byte offset', async (t) => {
  const fixtures = await sseFixtures()
  t.ok(fixtures.length >= 8, 'has recorded streams to replay')
  for (const { name, bytes } of fixtures) {
    const whole = await events(Readable.from([bytes]))
    t.ok(whole.length > 0, `${name} has events`)
    let mismatches = 0
    for (let offset = 1; offset < Math.min(bytes.length, CUT_WINDOW); offset++) {
      const split = await events(splitAt(bytes, [offset]))
      if (JSON.stringify(split) !== JSON.stringify(whole)) mismatches++
    }
    t.equal(mismatches, 0, `${name}: every two-piece cut in the first ${CUT_WINDOW} bytes parses the same`)
    const byteByByte = await events(Readable.from([...bytes].map((byte) => Buffer.from([byte]))))
    t.same(byteByByte, whole, `${name}: one byte at a time parses the same`)
  }
})

t.test('keeps a multi-byte UTF-8 character split across chunks intact', async (t) => {
  const bytes = Buffer.from('data: {"text":"héllo 🌍"}\n\n')
  const emoji = bytes.indexOf(Buffer.from('🌍'))
  const parsed = await events(splitAt(bytes, [emoji + 1, emoji + 2, emoji + 3]))
  t.same(parsed.map((event) => JSON.parse(event.data)), [{ text: 'héllo 🌍' }])
})

t.test('handles CRLF, comments, event names and multi-line data', async (t) => {
  const text = ': keep-alive\r\n\r\nevent: message_start\r\ndata: {"a":1}\r\n\r\ndata: line one\ndata: line two\n\n'
  t.same(await events(splitAt(Buffer.from(text), [3, 17, 40, 52])), [
    { event: 'message_start', data: '{"a":1}' },
    { data: 'line one\nline two' }
  ])
})

t.test('delivers a final event that lacks its blank line at end of stream', async (t) => {
  const parsed = await events(Readable.from([Buffer.from('data: {"a":1}\n\ndata: {"b":2}')]))
  t.same(parsed.map((event) => event.data), ['{"a":1}', '{"b":2}'])
})

t.test('a keep-alive comment counts as an event for the idle timeout', async (t) => {
  let arrivals = 0
  const body = openBody()
  const stream = new PushedStream<ChatChunk>(readableSource(body), translatedEvents(dataChunks, ctx, () => { arrivals++ }), { onChunk: undefined, fail: (error) => error as GatewayError, finish: () => {} })
  const first = stream.first()
  body.push(': ping\n\ndata: one\n\n')
  t.equal(contentOf(await first), 'one')
  t.equal(arrivals, 2, 'the comment and the event')
})

t.test('pulled: chunks come as their bytes arrive, before the body ends; the call is let go once, at the end', async (t) => {
  const body = openBody()
  const { stream, finished, seen } = hooked(body)
  const first = stream.first()
  body.push('data: one\n\n')
  t.equal(contentOf(await first), 'one', 'the first chunk, while the body is still open')
  body.push('data: two\n\n')
  t.equal(contentOf((await stream.next()).value), 'two')
  t.same(seen, ['two'], 'onChunk sees every chunk after the first')
  body.push(null)
  t.equal((await stream.next()).done, true)
  t.equal(finished(), 1)
  t.equal((await stream.next()).done, true, 'and it stays over')
  t.equal(finished(), 1)
})

t.test('a completed stream reads no further event, and ends once its chunks are taken', async (t) => {
  const body = openBody()
  const { stream, finished } = hooked(body)
  const first = stream.first()
  body.push('data: one\n\ndata: two\n\ndata: DONE\n\ndata: after\n\n')
  t.equal(contentOf(await first), 'one')
  t.equal(finished(), 0, 'not over while a chunk waits')
  t.equal(contentOf((await stream.next()).value), 'two')
  t.equal((await stream.next()).done, true, 'nothing after DONE')
  t.equal(finished(), 1)
})

t.test('a failure before the first chunk rejects first(); the caller owns the call', async (t) => {
  const bad = hooked(Readable.from(['data: BAD\n\n']))
  await t.rejects(bad.stream.first(), /a bad event/)
  t.equal(bad.finished(), 0, 'the caller lets the call go')
  t.same(bad.failures, [], 'nor is it reported as a stream failure')

  const destroyed = openBody()
  destroyed.destroy()
  await t.rejects(hooked(destroyed).stream.first(), { code: 'ERR_STREAM_PREMATURE_CLOSE' }, 'a body already destroyed')
})

t.test('a body that fails mid-stream fails the chunks after those already made, with the call\'s error', async (t) => {
  const body = openBody()
  const { stream, finished, failures } = hooked(body)
  const first = stream.first()
  body.push('data: one\n\ndata: two\n\n')
  await first
  body.destroy(Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' }))
  await nextTurn()
  t.equal(contentOf((await stream.next()).value), 'two', 'what was made before the failure still comes')
  await t.rejects(stream.next(), /failed: socket hang up/, 'then the failure, as hooks.fail made it')
  await t.rejects(stream.next(), /failed: socket hang up/, 'and again')
  t.equal(failures.length, 1, 'reported once')
  t.equal(finished(), 1)
})

t.test('a body that closes without ending is a failure, not the end of the stream', async (t) => {
  const body = openBody()
  const { stream } = hooked(body)
  const first = stream.first()
  body.push('data: one\n\n')
  await first
  const pending = stream.next()
  body.destroy()
  await t.rejects(pending, /failed: the provider body closed before it ended/)
})

t.test('a consumer that stops early lets the call go once and leaves the body to its owner', async (t) => {
  const body = openBody()
  const { stream, finished } = hooked(body)
  const first = stream.first()
  body.push('data: one\n\ndata: two\n\n')
  await first
  await stream.return()
  t.equal(finished(), 1)
  t.notOk(body.destroyed, 'the stream does not destroy the body itself')
  body.destroy(new Error('aborted by its owner'))
  await nextTurn()
  t.equal((await stream.next()).done, true, 'a later error from the body is nobody\'s news')
  stream.stop()
  t.equal(finished(), 1, 'still let go once')
})

t.test('pulled: a consumer that falls behind pauses the body, and reading on resumes it', async (t) => {
  const body = openBody()
  const { stream } = hooked(body)
  const first = stream.first()
  for (let index = 0; index < 200; index++) body.push(`data: ${index}\n\n`)
  await first
  await nextTurn()
  t.ok(body.isPaused(), 'paused while chunks wait unread')
  const got: string[] = []
  for (let index = 1; index < 200; index++) got.push(contentOf((await stream.next()).value) ?? '')
  t.same(got, Array.from({ length: 199 }, (_, index) => String(index + 1)), 'every chunk, in order')
  const last = stream.next()
  t.notOk(body.isPaused(), 'reading on resumed it')
  body.push(null)
  t.equal((await last).done, true)
})

t.test('pushed: the sink gets what was made first, then each chunk in the same turn as its bytes', async (t) => {
  const body = openBody()
  const { stream, finished } = hooked(body)
  const first = stream.first()
  body.push('data: one\n\ndata: two\n\n')
  await first
  const sink = recordingSink()
  stream.pipeTo(sink)
  t.same(sink.got, ['two'], 'the chunk made before it was attached')
  body.emit('data', Buffer.from('data: three\n\n'))
  t.same(sink.got, ['two', 'three'], 'handed over inside the body\'s own data event')
  body.push('data: DONE\n\n')
  body.push(null)
  await nextTurn()
  t.equal(sink.ended, 1)
  t.equal(finished(), 1)
})

t.test('pushed: a sink that refuses more pauses the body until it resumes the stream, and holds the idle timeout', async (t) => {
  const { body, stream, finished, holds, sink } = await pipedAfterFirst(false)
  body.push('data: 1\n\ndata: 2\n\ndata: 3\n\n')
  await nextTurn()
  t.same(sink.got, ['1'], 'one chunk, then it waits')
  t.ok(body.isPaused())
  t.same(holds, [true], 'the provider is not silent: the gateway holds it back')
  body.push('data: DONE\n\n')
  body.push(null)
  await nextTurn()
  t.equal(sink.ended, 0, 'not ended while chunks wait for it')
  sink.accepting = true
  stream.resume()
  t.same(sink.got, ['1', '2', '3'], 'what waited, at once')
  t.notOk(body.isPaused(), 'and the body flows again')
  t.same(holds, [true, false], 'and the idle timeout runs again')
  await nextTurn()
  t.equal(sink.ended, 1)
  t.equal(finished(), 1)
})

t.test('pushed: a failure mid-stream reaches the sink once, as the call\'s error', async (t) => {
  const { body, finished, sink } = await pipedAfterFirst()
  body.push('data: 1\n\ndata: BAD\n\ndata: 2\n\n')
  await nextTurn()
  t.same(sink.got, ['1'])
  t.equal(sink.failed.length, 1)
  t.match(sink.failed[0], { message: 'failed: a bad event' })
  t.equal(sink.ended, 0)
  t.equal(finished(), 1)
})

t.test('pushed: a consumer that stops gets nothing more, and the call is let go', async (t) => {
  const { body, stream, finished, sink } = await pipedAfterFirst()
  stream.stop()
  body.push('data: 1\n\n')
  body.push(null)
  await nextTurn()
  t.same(sink.got, [])
  t.equal(sink.ended + sink.failed.length, 0)
  t.equal(finished(), 1)
})

t.test('the test reader replays like the gateway: the first chunk and the rest', async (t) => {
  const stream = chunkStream(dataChunks, Readable.from(['data: a\n\ndata: b\n\n']))
  t.equal(contentOf(await stream.first()), 'a')
  t.same((await replayStream(dataChunks, Readable.from(['data: a\n\ndata: b\n\n']))).map(contentOf), ['a', 'b'])
})

/**
 * A body that delivers like undici's dispatch callbacks: at once while it flows, held while paused, and all that
 * was held, synchronously, inside `resume()` (until the listener pauses it again).
 */
function undiciLikeSource (): ByteSource & { push: (bytes: string) => void, end: () => void, paused: () => boolean } {
  let listener: ByteListener | undefined
  let paused = false
  const held: string[] = []
  let ended = false
  const flush = (): void => {
    while (!paused && held.length > 0 && listener !== undefined) listener.data(held.shift() as string)
    if (!paused && held.length === 0 && ended) listener?.end()
  }
  return {
    listen: (next) => { listener = next; flush() },
    pause: () => { paused = true },
    resume: () => { if (paused) { paused = false; flush() } },
    close: () => { listener = undefined },
    push: (bytes) => { held.push(bytes); flush() },
    end: () => { ended = true; flush() },
    paused: () => paused
  }
}

t.test('pushed: a body that delivers inside resume() and is paused again there stays held, idle timeout included', async (t) => {
  const body = undiciLikeSource()
  const holds: boolean[] = []
  const stream = new PushedStream<ChatChunk>(body, translatedEvents(dataChunks, ctx, () => {}), {
    onChunk: undefined,
    onHold: (held) => { holds.push(held) },
    fail: (error) => error as GatewayError,
    finish: () => {}
  })
  const first = stream.first()
  body.push('data: 0\n\n')
  await first
  const sink = recordingSink(false)
  stream.pipeTo(sink)
  body.push('data: 1\n\n')
  body.push('data: 2\n\n')
  t.same(sink.got, ['1'], 'the sink refused the first chunk after it')
  t.ok(body.paused())
  t.same(holds, [true])
  // The sink takes one more, then refuses again: the body delivers '2' inside resume() and is paused there.
  stream.resume()
  t.same(sink.got, ['1', '2'])
  t.ok(body.paused(), 'paused again')
  t.equal(holds[holds.length - 1], true, 'and still held, so the idle timeout does not blame the provider')
  sink.accepting = true
  body.push('data: DONE\n\n')
  stream.resume()
  t.equal(holds[holds.length - 1], false, 'reading on lets the idle timeout run again')
  t.equal(sink.ended, 1)
})

t.test('pulled: a body that delivers inside resume() hands the waiting consumer its chunk, in order', async (t) => {
  const body = undiciLikeSource()
  const stream = new PushedStream<ChatChunk>(body, translatedEvents(dataChunks, ctx, () => {}), { onChunk: undefined, fail: (error) => error as GatewayError, finish: () => {} })
  const first = stream.first()
  body.push('data: 0\n\n')
  await first
  for (let index = 1; index <= 70; index++) body.push(`data: ${index}\n\n`)
  t.ok(body.paused(), 'paused once 64 chunks wait')
  body.end()
  const got: string[] = []
  for await (const chunk of stream) got.push(contentOf(chunk) ?? '')
  t.same(got, Array.from({ length: 70 }, (_, index) => String(index + 1)), 'every chunk, in order, and the end')
})
