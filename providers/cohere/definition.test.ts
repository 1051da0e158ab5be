import t from 'tap'
import { Readable } from 'node:stream'
import { definition } from './definition.ts'
import { toCohereRequest } from './request.ts'
import { framedAsSse, readFixture, readJsonFixture, splitAt } from '../../test/helpers/fixtures.ts'
import { accumulate, testContext, translateFixture } from '../../test/helpers/accumulate.ts'
import { caught } from '../../test/helpers/gateway.ts'
import { replayStream } from '../../test/helpers/replay-stream.ts'
import type { ChatRequest } from '../../src/canonical/chat-request.ts'

const request = (fields: Partial<ChatRequest>): ChatRequest => ({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }], ...fields })

t.test('request: system first, image, tool call and result, follow-up; ranges clamped', async (t) => {
  const upstream = toCohereRequest(request({
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } }] },
      { role: 'developer', content: 'Be brief.' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '21 °C' },
      { role: 'user', content: 'Thanks' }
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} } } }, { type: 'function', function: { name: 'other' } }],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    top_p: 1,
    frequency_penalty: -1,
    presence_penalty: 1.5,
    max_completion_tokens: 300,
    stop: 'END',
    response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } }
  }))
  t.equal(upstream.path, '/chat')
  t.same(upstream.body, {
    model: 'command-a-03-2025',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } }] },
      { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '21 °C' },
      { role: 'user', content: 'Thanks' }
    ],
    tool_choice: 'REQUIRED',
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} } } }],
    max_tokens: 300,
    stop_sequences: ['END'],
    p: 0.99,
    frequency_penalty: 0,
    presence_penalty: 1,
    response_format: { type: 'json_object', json_schema: { type: 'object' } }
  })
  t.match(caught(() => toCohereRequest(request({ n: 3 }))), { status: 400, param: 'n' })
  t.match(caught(() => toCohereRequest(request({ tool_choice: { type: 'function', function: { name: 'ghost' } } }))), { status: 400, param: 'tool_choice' })
  t.match(caught(() => toCohereRequest(request({ messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] }))), { status: 400, param: 'messages[0].content[0].type' })
})

t.test('response: recorded text, tool call, answer after tool results, reasoning', async (t) => {
  const text = definition.fromUpstreamResponse(await readJsonFixture('cohere', 'text.json'), testContext('cohere', 'command-a-03-2025'))
  t.match(text, { object: 'chat.completion', model: 'command-a-03-2025', choices: [{ finish_reason: 'stop', message: { content: String } }] })
  const raw = await readJsonFixture('cohere', 'text.json') as { usage: { billed_units: { input_tokens: number, output_tokens: number } } }
  t.same(text.usage, { prompt_tokens: raw.usage.billed_units.input_tokens, completion_tokens: raw.usage.billed_units.output_tokens, total_tokens: raw.usage.billed_units.input_tokens + raw.usage.billed_units.output_tokens }, 'billed units')
  const tool = definition.fromUpstreamResponse(await readJsonFixture('cohere', 'tool-call.json'), testContext('cohere'))
  t.match(tool.choices[0], { finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ type: 'function', function: { name: String } }] } })
  t.doesNotThrow(() => JSON.parse(tool.choices[0]?.message.tool_calls?.[0]?.function.arguments ?? ''))
  t.notOk(JSON.stringify(tool.choices[0]?.message).includes('tool_plan'), 'the plan is not the answer')
  const cited = definition.fromUpstreamResponse(await readJsonFixture('cohere', 'tool-result-citations.json'), testContext('cohere'))
  t.equal(cited.choices[0]?.finish_reason, 'stop')
  const reasoning = definition.fromUpstreamResponse(await readJsonFixture('cohere', 'reasoning.json'), testContext('cohere'))
  t.ok((reasoning.choices[0]?.message.reasoning_content ?? '').length > 10)
  t.throws(() => definition.fromUpstreamResponse({ message: {}, finish_reason: 'ERROR' }, testContext('cohere')), /ERROR/)
  t.match(caught(() => definition.fromUpstreamResponse({ message: {}, finish_reason: 'TIMEOUT' }, testContext('cohere'))), { status: 504 })
  t.equal(definition.fromUpstreamResponse({ message: { content: [] }, finish_reason: 'MAX_TOKENS' }, testContext('cohere')).choices[0]?.finish_reason, 'length')
})

t.test('stream: recorded streams, whole and cut at awkward offsets, give the same answer', async (t) => {
  const streams = {
    'text.stream.sse': await readFixture('cohere', 'text.stream.sse'),
    'tool-call.stream.sse': await readFixture('cohere', 'tool-call.stream.sse'),
    'reasoning.chunks.jsonl': framedAsSse(await readFixture('cohere', 'reasoning.chunks.jsonl'))
  }
  for (const [name, bytes] of Object.entries(streams)) {
    const whole = await translateFixture(definition, bytes)
    for (const offsets of [[1], [6, 7, 8], [Math.floor(bytes.length / 2)], [bytes.length - 4]]) {
      const cut = accumulate(await replayStream(definition.createStreamTranslator, splitAt(bytes, offsets), testContext('cohere', 'm', true)))
      t.same({ text: cut.text, reasoning: cut.reasoning, tools: cut.tools.map((tool) => [tool.name, tool.arguments]), finish: cut.finishReasons, usage: cut.usage },
        { text: whole.text, reasoning: whole.reasoning, tools: whole.tools.map((tool) => [tool.name, tool.arguments]), finish: whole.finishReasons, usage: whole.usage }, `${name} cut at ${offsets.join(',')}`)
    }
    t.equal(whole.roles, 1, `${name}: role once`)
  }
  const text = await translateFixture(definition, streams['text.stream.sse'])
  t.ok(text.text.length > 10)
  t.same(text.finishReasons, ['stop'])
  t.ok((text.usage?.completion_tokens ?? 0) > 0)
  const tool = await translateFixture(definition, streams['tool-call.stream.sse'])
  t.same(tool.finishReasons, ['tool_calls'])
  for (const call of tool.tools) t.doesNotThrow(() => JSON.parse(call.arguments), 'whole JSON arguments')
  t.equal(tool.text, '', 'no tool_plan in the content')
  const reasoning = await translateFixture(definition, streams['reasoning.chunks.jsonl'])
  t.ok(reasoning.reasoning.length > 10, 'thinking deltas become reasoning_content')
})

t.test('stream: a zero-argument call gets {}, ERROR at the end and a cut stream fail', async (t) => {
  const ctx = testContext('cohere', 'm', true)
  const events = (...lines: string[]): Readable => Readable.from(lines.map((line) => `data: ${line}\n\n`))
  const start = '{"id":"m1","type":"message-start","delta":{"message":{"role":"assistant"}}}'
  const zero = accumulate(await replayStream(definition.createStreamTranslator, events(start,
    '{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"now_1","type":"function","function":{"name":"now","arguments":""}}}}}',
    '{"type":"tool-call-end","index":0}',
    '{"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":3,"output_tokens":2}}}}'), ctx))
  t.match(zero.tools, [{ index: 0, id: 'now_1', name: 'now', arguments: '{}' }])
  await t.rejects(replayStream(definition.createStreamTranslator, events(start, '{"type":"message-end","delta":{"finish_reason":"ERROR","error":"internal failure"}}'), ctx), /internal failure/)
  await t.rejects(replayStream(definition.createStreamTranslator, events(start), ctx), /ended before message-end/)
})

t.test('errors: {message} bodies and Cohere-only statuses', async (t) => {
  t.match(definition.parseUpstreamError(401, { message: 'invalid api token' }, undefined), { status: 401, message: /Cohere error \(401\): invalid api token/ })
  t.match(definition.parseUpstreamError(498, { message: 'unsafe' }, undefined), { status: 400, upstreamStatus: 498 })
  t.match(definition.parseUpstreamError(429, { message: 'slow down' }, 4), { status: 429, retryAfterSeconds: 4 })
  t.match(definition.parseUpstreamError(501, 'nope', undefined), { status: 502 })
})
