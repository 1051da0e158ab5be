import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { encodeAnthropicStream } from './encode-stream.ts'
import type { ChatChunk } from '../../canonical/chat-chunk.ts'
import { upstreamUnavailable } from '../../errors.ts'
import { collect } from '../../../test/helpers/gateway.ts'

const envelope = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm' }
const delta = (value: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk =>
  ({ ...envelope, choices: [{ index: 0, delta: value, finish_reason: finish }] })

function events (text: string[]): Array<{ event: string, data: Record<string, unknown> }> {
  return text.map((frame) => {
    const [eventLine, dataLine] = frame.trim().split('\n')
    return { event: eventLine?.slice(7) ?? '', data: JSON.parse(dataLine?.slice(6) ?? '{}') as Record<string, unknown> }
  })
}

t.test('thinking, text and two tool calls become blocks with increasing indexes, then message_delta and stop', async (t) => {
  async function * rest (): AsyncGenerator<ChatChunk> {
    yield delta({ reasoning_content: 'Hmm.' })
    yield delta({ content: 'Checking.' })
    yield delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] })
    yield delta({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] })
    yield delta({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] })
    yield delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] }, 'tool_calls')
    yield { ...envelope, choices: [], usage: { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37, prompt_tokens_details: { cached_tokens: 10 } } }
  }
  const out = events(await collect(encodeAnthropicStream(delta({ role: 'assistant', content: '' }), rest(), { messageId: 'msg_1', model: 'm', estimatedInputTokens: 5, pingAfterMs: 10_000 })))
  t.same(out.map((item) => `${item.event}${typeof item.data.index === 'number' ? `:${item.data.index}` : ''}`), [
    'message_start', 'content_block_start:0', 'content_block_delta:0', 'content_block_stop:0', 'content_block_start:1', 'content_block_delta:1',
    'content_block_stop:1', 'content_block_start:2', 'content_block_delta:2', 'content_block_delta:2', 'content_block_stop:2', 'content_block_start:3',
    'content_block_delta:3', 'content_block_stop:3', 'message_delta', 'message_stop'
  ])
  t.match(out[0]?.data, { message: { id: 'msg_1', content: [], usage: { input_tokens: 5 } } })
  t.match(out[7]?.data, { content_block: { type: 'tool_use', id: 'call_a', name: 'f', input: {} } })
  t.match(out[14]?.data, { delta: { stop_reason: 'tool_use' }, usage: { input_tokens: 20, cache_read_input_tokens: 10, output_tokens: 7 } })
})

t.test('pings on long silences; a failure ends with an error event', async (t) => {
  async function * slow (): AsyncGenerator<ChatChunk> {
    await sleep(60)
    yield delta({ content: 'late' }, 'stop')
  }
  const out = events(await collect(encodeAnthropicStream(undefined, slow(), { messageId: 'msg_2', model: 'm', estimatedInputTokens: 1, pingAfterMs: 20 })))
  t.ok(out.filter((item) => item.event === 'ping').length >= 1, 'at least one ping while waiting')
  t.equal(out.at(-1)?.event, 'message_stop')

  async function * broken (): AsyncGenerator<ChatChunk> {
    yield delta({ content: 'partial' })
    throw upstreamUnavailable('gemini', 'connection reset')
  }
  let ended: unknown
  const failed = events(await collect(encodeAnthropicStream(undefined, broken(), { messageId: 'msg_3', model: 'm', estimatedInputTokens: 1, pingAfterMs: 1000, onEnd: (error) => { ended = error } })))
  t.same(failed.at(-1), { event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'gemini: connection reset' } } })
  t.notOk(failed.some((item) => item.event === 'message_stop'))
  t.ok(ended !== undefined)
})
