import t from 'tap'
import Fastify from 'fastify'
import { Readable } from 'node:stream'
import type { ChatChunk } from '../src/canonical/chat-chunk.ts'
import { OpenAIStreamEncoding } from '../src/ingress/openai/encode-stream.ts'
import { sendChunkStream } from '../src/reply/send-events.ts'
import { translatedEvents } from '../src/call/translated-stream.ts'
import { PushedStream } from '../src/call/pushed-stream.ts'
import { readableSource } from './helpers/readable-source.ts'
import { createCallContext } from '../src/call/call-provider.ts'
import { upstreamProtocolError, type GatewayError } from '../src/canonical/errors.ts'
import type { CreateStreamTranslator } from '../src/provider/stream-translator.ts'

const chunk = (content: string): ChatChunk => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })
const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }

t.test('a whole stream: role on the first delta, one id, usage held for the end, then [DONE], and onEnd once', async (t) => {
  const ends: unknown[] = []
  const encoding = new OpenAIStreamEncoding({ includeUsage: true, onEnd: (outcome) => ends.push(outcome) })
  const first = encoding.chunk(chunk('a'))
  const second = encoding.chunk({ ...chunk('b'), id: 'other', created: 2 })
  t.equal(encoding.chunk({ ...chunk(''), choices: [], usage }), undefined, 'a usage-only chunk says nothing yet')
  const last = encoding.end()
  t.match(first, /^data: \{"id":"chatcmpl-1".*"delta":\{"role":"assistant","content":"a"\}.*"usage":null\}\n\n$/)
  t.notMatch(second, /"role"/, 'role only once')
  t.match(second, /"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,/, 'one id and created throughout')
  t.match(last, /^data: \{"id":"chatcmpl-1",.*"choices":\[\],"usage":\{"prompt_tokens":1.*\n\ndata: \[DONE\]\n\n$/)
  t.same(ends, [{ usage, error: undefined }])
  encoding.abandon()
  t.equal(ends.length, 1, 'the end is reported once')
})

t.test('without include_usage, usage is dropped from every chunk and no usage chunk is sent', async (t) => {
  const encoding = new OpenAIStreamEncoding({ includeUsage: false })
  t.notMatch(encoding.chunk({ ...chunk('a'), usage }), /usage/)
  t.equal(encoding.end(), 'data: [DONE]\n\n')
})

t.test('a failure ends with one error event in OpenAI\'s shape and reports the error', async (t) => {
  const ends: Array<{ error: unknown }> = []
  const encoding = new OpenAIStreamEncoding({ includeUsage: false, onEnd: (outcome) => ends.push(outcome) })
  encoding.chunk(chunk('a'))
  t.match(encoding.fail(upstreamProtocolError('groq', 'cut off')), /^data: \{"error":\{"message":"[^"]*cut off[^"]*","type":"[a-z_]+"/)
  t.equal(ends.length, 1)
  t.ok(ends[0]?.error instanceof Error)
})

t.test('sendChunkStream: a chunk that cannot be encoded ends the response with an error event and lets the call go', async (t) => {
  // JSON.stringify throws on a BigInt.
  const translator: CreateStreamTranslator = (_ctx, emit) => ({
    event: (event) => {
      emit(chunk(event.data === 'big' ? 1n as unknown as string : event.data))
      return false
    },
    end: () => {}
  })
  let finished = 0
  const body = Readable.from(['data: a\n\n', 'data: big\n\n', 'data: c\n\n'])
  const stream = new PushedStream<ChatChunk>(readableSource(body), translatedEvents(translator, createCallContext('test', 'm', 'r', true), () => {}), {
    onChunk: undefined,
    fail: (error) => error as GatewayError,
    finish: () => { finished++ }
  })
  const first = await stream.first()
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  app.get('/', async (_request, reply) => sendChunkStream(reply, first, stream, new OpenAIStreamEncoding({ includeUsage: false })))
  const response = await app.inject({ method: 'GET', url: '/' })
  const events = response.body.split('\n\n').filter((event) => event !== '')
  t.equal(events.length, 2, 'the first chunk, then the error')
  t.match(events[0], /"content":"a"/)
  t.match(events[1], /^data: \{"error":/)
  t.notMatch(response.body, /\[DONE\]/)
  t.equal(finished, 1, 'the provider call was let go')
})
