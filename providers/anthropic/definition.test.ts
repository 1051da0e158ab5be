import t from 'tap'
import { Readable } from 'node:stream'
import { definition } from './definition.ts'
import { toAnthropicRequest } from './request.ts'
import { attachThinking, detachThinking } from './thinking-carrier.ts'
import { readFixture, readJsonFixture, splitAt } from '../../test/helpers/fixtures.ts'
import { accumulate, testContext, translateFixture } from '../../test/helpers/accumulate.ts'
import { caught } from '../../test/helpers/gateway.ts'
import { replayStream } from '../../test/helpers/replay-stream.ts'
import type { ChatRequest } from '../../src/canonical/chat-request.ts'

const request = (fields: Partial<ChatRequest>): ChatRequest => ({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }], ...fields })
const signed = [{ type: 'thinking' as const, thinking: 'Let me check the weather tool.', signature: 'EqQBCkYIARgCIkBS' }]

t.test('request: system, image, tool call with its thinking, merged tool results and follow-up, in native form', async (t) => {
  const callId = attachThinking('toolu_01A', signed)
  const upstream = toAnthropicRequest(request({
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather here and time?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
      { role: 'assistant', content: '', tool_calls: [{ id: callId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }, { id: 'functions.get_time:1', type: 'function', function: { name: 'get_time', arguments: '' } }] },
      { role: 'tool', tool_call_id: callId, content: '21 °C' },
      { role: 'tool', tool_call_id: 'functions.get_time:1', content: '14:00' },
      { role: 'user', content: 'Thanks' }
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }, { type: 'function', function: { name: 'get_time' } }],
    tool_choice: 'required',
    parallel_tool_calls: false,
    temperature: 1.6,
    stop: 'END',
    user: 'user-42'
  }), 64000)
  t.equal(upstream.path, '/messages')
  t.same(upstream.body, {
    model: 'claude-sonnet-4-6',
    max_tokens: 64000,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Weather here and time?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Let me check the weather tool.', signature: 'EqQBCkYIARgCIkBS' }, { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } }, { type: 'tool_use', id: 'functions_get_time_1', name: 'get_time', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: '21 °C' }, { type: 'tool_result', tool_use_id: 'functions_get_time_1', content: '14:00' }, { type: 'text', text: 'Thanks' }] }
    ],
    system: [{ type: 'text', text: 'You are terse.' }],
    temperature: 1,
    stop_sequences: ['END'],
    metadata: { user_id: 'user-42' },
    tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }, { name: 'get_time', input_schema: { type: 'object', properties: {} } }],
    tool_choice: { type: 'any', disable_parallel_tool_use: true }
  })
  t.same(toAnthropicRequest(request({ max_tokens: 50, stream: true, tool_choice: { type: 'function', function: { name: 'f' } } }), 64000).body,
    { model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: true, tool_choice: { type: 'tool', name: 'f' } })
  t.same(toAnthropicRequest(request({ tool_choice: 'none', response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } }), 10).body.output_config,
    { format: { type: 'json_schema', schema: { type: 'object' } } })
  t.match(caught(() => toAnthropicRequest(request({ n: 2 }), 10)), { status: 400, param: 'n' })
  t.match(caught(() => toAnthropicRequest(request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] }), 10)), { status: 400, param: 'messages[0].content[0].image_url.url' })
  t.same(detachThinking(callId), { id: 'toolu_01A', thinking: signed })
  t.same(detachThinking('toolu_x__thinking__%%%'), { id: 'toolu_x', thinking: [] }, 'an unreadable carrier is dropped, not fatal')
})

t.test('response: recorded text, tool calls, thinking; usage counts cache tokens in prompt_tokens', async (t) => {
  const text = definition.fromUpstreamResponse(await readJsonFixture('anthropic', 'text.json'), testContext('anthropic'))
  t.match(text, { id: /^msg_/, object: 'chat.completion', choices: [{ finish_reason: 'stop', message: { content: String } }] })
  const tools = definition.fromUpstreamResponse(await readJsonFixture('anthropic', 'tool-call.json'), testContext('anthropic'))
  t.match(tools.choices[0], { finish_reason: 'tool_calls', message: { content: /Certainly/, tool_calls: [
    { id: 'toolu_012r6TBCWjRHG71j6zruYyUL', function: { name: 'get_weather', arguments: '{"location":"New York, NY","unit":"fahrenheit"}' } },
    { id: 'toolu_01SkeBKkLCNYWNuivqFerGDd', function: { name: 'get_time' } }
  ] } })
  t.same(tools.usage, { prompt_tokens: 514, completion_tokens: 152, total_tokens: 666 })
  const thinking = definition.fromUpstreamResponse(await readJsonFixture('anthropic', 'thinking.json'), testContext('anthropic'))
  t.match(thinking.choices[0]?.message.reasoning_content, /strawberry/)
  const cached = definition.fromUpstreamResponse({ id: 'msg_1', content: [{ type: 'text', text: 'x' }], stop_reason: 'max_tokens', usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 5 } }, testContext('anthropic'))
  t.same(cached.usage, { prompt_tokens: 130, completion_tokens: 5, total_tokens: 135, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 } })
  t.equal(cached.choices[0]?.finish_reason, 'length')
  for (const [reason, expected] of [['refusal', 'content_filter'], ['stop_sequence', 'stop'], ['pause_turn', 'stop'], ['model_context_window_exceeded', 'length'], ['brand_new', 'stop']] as const) {
    t.equal(definition.fromUpstreamResponse({ content: [], stop_reason: reason }, testContext('anthropic')).choices[0]?.finish_reason, expected, reason)
  }
})

const STREAMS = ['text.stream.sse', 'tool-call.stream.sse', 'tool-call-no-args.stream.sse', 'thinking.stream.sse', 'redacted-thinking.stream.sse']

t.test('stream: recorded streams, whole and cut at awkward offsets, give the same answer', async (t) => {
  for (const name of STREAMS) {
    const bytes = await readFixture('anthropic', name)
    const whole = await translateFixture(definition, bytes)
    for (const offsets of [[1], [5, 6, 7], [Math.floor(bytes.length / 3), Math.floor(bytes.length / 2)], [bytes.length - 2]]) {
      const cut = accumulate(await replayStream(definition.createStreamTranslator, splitAt(bytes, offsets), testContext('anthropic', 'm', true)))
      t.same({ text: cut.text, reasoning: cut.reasoning, tools: cut.tools.map((tool) => [tool.name, tool.arguments]), finish: cut.finishReasons, usage: cut.usage },
        { text: whole.text, reasoning: whole.reasoning, tools: whole.tools.map((tool) => [tool.name, tool.arguments]), finish: whole.finishReasons, usage: whole.usage }, `${name} cut at ${offsets.join(',')}`)
    }
    t.equal(whole.roles, 1, `${name}: role once`)
    t.equal(whole.chunks.filter((chunk) => chunk.usage != null).length, 1, `${name}: usage once`)
  }
})

t.test('stream: tool calls get ordinal indexes and fragments; thinking and its signature are carried', async (t) => {
  const tools = await translateFixture(definition, await readFixture('anthropic', 'tool-call.stream.sse'))
  t.same(tools.finishReasons, ['tool_calls'])
  t.same(tools.tools.map((tool) => tool.index), [0, 1], 'OpenAI indexes, not block indexes')
  for (const tool of tools.tools) t.doesNotThrow(() => JSON.parse(tool.arguments), `${tool.name ?? ''} arguments are whole JSON`)
  const noArgs = await translateFixture(definition, await readFixture('anthropic', 'tool-call-no-args.stream.sse'))
  t.ok(noArgs.tools.length >= 1)

  const thinking = await translateFixture(definition, await readFixture('anthropic', 'thinking.stream.sse'))
  t.ok(thinking.reasoning.length > 10)
  t.ok(thinking.text.length > 0)
  t.match(thinking.usage, { prompt_tokens: 46 })

  const ctx = testContext('anthropic', 'm', true)
  const events = [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude-x","usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Use the tool."}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"SIG=="}}\n\n',
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
    'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_9","name":"f","input":{}}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}\n\n',
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n'
  ]
  const folded = accumulate(await replayStream(definition.createStreamTranslator, Readable.from(events), ctx))
  t.same(detachThinking(folded.tools[0]?.id ?? ''), { id: 'toolu_9', thinking: [{ type: 'thinking', thinking: 'Use the tool.', signature: 'SIG==' }] })
  t.same(folded.usage, { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 })
})

t.test('stream: an error event, or a stream cut before message_delta, fails', async (t) => {
  const ctx = testContext('anthropic', 'm', true)
  const start = 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":5}}}\n\n'
  const overloaded = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
  await t.rejects(replayStream(definition.createStreamTranslator, Readable.from([start, overloaded]), ctx), { status: 503, upstreamStatus: 529, message: /Overloaded/ })
  await t.rejects(replayStream(definition.createStreamTranslator, Readable.from([start]), ctx), /ended before message_delta/)
})

t.test('errors: statuses and types', async (t) => {
  t.match(definition.parseUpstreamError(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 3), { status: 503, upstreamStatus: 529, kind: 'overloaded', code: 'overloaded_error', retryAfterSeconds: 3 })
  t.match(definition.parseUpstreamError(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }, undefined), { status: 401, kind: 'authentication' })
  t.match(definition.parseUpstreamError(413, '<html>too large</html>', undefined), { status: 413, message: /answered 413/ })
})
