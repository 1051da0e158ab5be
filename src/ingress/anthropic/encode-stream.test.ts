import t from 'tap'
import Fastify from 'fastify'
import { Readable } from 'node:stream'
import { AnthropicStreamEncoding } from './encode-stream.ts'
import type { ChatChunk } from '../../canonical/chat-chunk.ts'
import { upstreamUnavailable } from '../../canonical/errors.ts'
import { sendChunkStream } from '../../reply/send-events.ts'
import { chunkStream } from '../../../test/helpers/replay-stream.ts'
import type { CreateStreamTranslator } from '../../provider/stream-translator.ts'

const envelope = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm' }
const delta = (value: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk =>
  ({ ...envelope, choices: [{ index: 0, delta: value, finish_reason: finish }] })

function events (text: string): Array<{ event: string, data: Record<string, unknown> }> {
  return text.split('\n\n').filter((frame) => frame !== '').map((frame) => {
    const [eventLine, dataLine] = frame.split('\n')
    return { event: eventLine?.slice(7) ?? '', data: JSON.parse(dataLine?.slice(6) ?? '{}') as Record<string, unknown> }
  })
}

t.test('thinking, text and two tool calls become blocks with increasing indexes, then message_delta and stop', async (t) => {
  const encoding = new AnthropicStreamEncoding({ messageId: 'msg_1', model: 'm', estimatedInputTokens: 5, pingAfterMs: 10_000 })
  const chunks = [
    delta({ role: 'assistant', content: '' }),
    delta({ reasoning_content: 'Hmm.' }),
    delta({ content: 'Checking.' }),
    delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
    delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] }, 'tool_calls'),
    { ...envelope, choices: [], usage: { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37, prompt_tokens_details: { cached_tokens: 10 } } }
  ]
  const out = events(encoding.start() + chunks.map((chunk) => encoding.chunk(chunk) ?? '').join('') + encoding.end())
  t.same(out.map((item) => `${item.event}${typeof item.data.index === 'number' ? `:${item.data.index}` : ''}`), [
    'message_start', 'content_block_start:0', 'content_block_delta:0', 'content_block_stop:0', 'content_block_start:1', 'content_block_delta:1',
    'content_block_stop:1', 'content_block_start:2', 'content_block_delta:2', 'content_block_delta:2', 'content_block_stop:2', 'content_block_start:3',
    'content_block_delta:3', 'content_block_stop:3', 'message_delta', 'message_stop'
  ])
  t.match(out[0]?.data, { message: { id: 'msg_1', content: [], usage: { input_tokens: 5 } } })
  t.match(out[7]?.data, { content_block: { type: 'tool_use', id: 'call_a', name: 'f', input: {} } })
  t.match(out[14]?.data, { delta: { stop_reason: 'tool_use' }, usage: { input_tokens: 20, cache_read_input_tokens: 10, output_tokens: 7 } })
  t.equal(encoding.chunk(delta({ content: '' })), undefined, 'an empty delta says nothing')
})

t.test('a failure ends with an error event, reported once', async (t) => {
  const ended: unknown[] = []
  const encoding = new AnthropicStreamEncoding({ messageId: 'msg_3', model: 'm', estimatedInputTokens: 1, pingAfterMs: 1000, onEnd: (error) => { ended.push(error) } })
  encoding.chunk(delta({ content: 'partial' }))
  t.same(events(encoding.fail(upstreamUnavailable('gemini', 'connection reset'))), [
    { event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'gemini: connection reset' } } }
  ])
  encoding.abandon()
  t.equal(ended.length, 1)
  t.ok(ended[0] !== undefined)
})

t.test('sent as a stream: pings on long silences, and message_start before anything', async (t) => {
  const body = new Readable({ read () {} })
  const translator: CreateStreamTranslator = (_ctx, emit) => ({
    event: (event) => {
      emit(delta({ content: event.data }, event.data === 'late' ? 'stop' : null))
      return false
    },
    end: () => {}
  })
  const stream = chunkStream(translator, body)
  const first = stream.first()
  body.push('data: early\n\n')
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  // The provider speaks again once two pings have gone out: counted on the response, not guessed from a clock.
  app.get('/', async (_request, reply) => {
    const write = reply.raw.write.bind(reply.raw) as (text: string) => boolean
    let pings = 0
    reply.raw.write = ((text: string) => {
      if (text.startsWith('event: ping') && ++pings === 2) {
        body.push('data: late\n\n')
        body.push(null)
      }
      return write(text)
    }) as typeof reply.raw.write
    return sendChunkStream(reply, await first, stream, new AnthropicStreamEncoding({ messageId: 'msg_2', model: 'm', estimatedInputTokens: 1, pingAfterMs: 20 }))
  })
  const out = events((await app.inject({ method: 'GET', url: '/' })).body)
  t.equal(out[0]?.event, 'message_start')
  t.ok(out.filter((item) => item.event === 'ping').length >= 2, 'pings while the provider is silent')
  t.equal(out.at(-1)?.event, 'message_stop')
})
