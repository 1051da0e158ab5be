import t from 'tap'
import { definition } from './definition.ts'
import { readFixture, readJsonFixture } from '../../test/helpers/fixtures.ts'
import { testContext, translateFixture } from '../../test/helpers/accumulate.ts'

t.test('translates the recorded text stream with its usage chunk', async (t) => {
  const result = await translateFixture(definition, await readFixture('openai', 'text-usage.stream.sse'))
  t.equal(result.text.length, 159)
  t.match(result.text, /^I'm unable to provide real-time weather updates\./)
  t.same(result.finishReasons, ['stop'])
  t.same(result.usage, { prompt_tokens: 14, completion_tokens: 30, total_tokens: 44, completion_tokens_details: { reasoning_tokens: 0 } })
  t.equal(result.roles, 1)
})

t.test('translates the recorded stream without usage (obfuscation padding dropped)', async (t) => {
  const result = await translateFixture(definition, await readFixture('openai', 'text.stream.sse'))
  t.equal(result.text, "Why did Opentelemetry break up with its girlfriend? Because it couldn't handle the baggage of their outdated monitoring tools!")
  t.equal(result.usage, undefined)
  t.notOk(JSON.stringify(result.chunks).includes('obfuscation'))
})

t.test('keeps tool call fragments with their index, id and name', async (t) => {
  const single = await translateFixture(definition, await readFixture('openai', 'tool-call.stream.sse'))
  t.same(single.tools, [{ index: 0, id: 'call_4XzlGBLtUe9dy3GVNV4jhq7h', name: 'get_weather', arguments: '{"city":"New York City"}' }])
  t.same(single.finishReasons, ['tool_calls'])
  const parallel = await translateFixture(definition, await readFixture('openai', 'parallel-tool-calls.stream.sse'))
  t.same(parallel.tools.map((tool) => [tool.index, tool.name, JSON.parse(tool.arguments)]), [
    [0, 'GetWeatherArgs', { city: 'Edinburgh', country: 'GB', units: 'c' }],
    [1, 'get_stock_price', { ticker: 'AAPL', exchange: 'NASDAQ' }]
  ])
})

t.test('passes a recorded response through with its own fields', async (t) => {
  const body = await readJsonFixture('openai', 'text.json') as Record<string, unknown>
  const response = definition.fromUpstreamResponse(body, testContext('openai'))
  t.equal(response.id, body.id)
  t.equal(response.choices[0]?.finish_reason, 'stop')
  t.equal(typeof response.choices[0]?.message.content, 'string')
  t.equal((response as Record<string, unknown>).service_tier, body.service_tier, 'keeps fields beyond the canonical schema')
  t.ok(response.usage?.completion_tokens_details?.reasoning_tokens !== undefined)
})

t.test('reads recorded tool calls from a response', async (t) => {
  const response = definition.fromUpstreamResponse(await readJsonFixture('openai', 'parallel-tool-calls.json'), testContext('openai'))
  const calls = response.choices[0]?.message.tool_calls ?? []
  t.ok(calls.length >= 2)
  for (const call of calls) {
    t.equal(call.type, 'function')
    t.doesNotThrow(() => JSON.parse(call.function.arguments))
  }
  t.equal(response.choices[0]?.message.content, null)
})

t.test('maps recorded error bodies with status, message, code and param', async (t) => {
  const unsupported = definition.parseUpstreamError(400, await readJsonFixture('openai', 'error-400-unsupported-parameter.json'), undefined)
  t.equal(unsupported.status, 400)
  t.equal(unsupported.kind, 'invalid_request')
  t.equal(unsupported.code, 'unsupported_parameter')
  t.equal(unsupported.param, 'max_tokens')
  t.match(unsupported.message, /^OpenAI error \(400\): Unsupported parameter: 'max_tokens'/)
  const image = definition.parseUpstreamError(400, await readJsonFixture('openai', 'error-400.json'), undefined)
  t.equal(image.code, 'invalid_image_url')
  const limited = definition.parseUpstreamError(429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, 7)
  t.equal(limited.status, 429)
  t.equal(limited.kind, 'rate_limited')
  t.equal(limited.retryAfterSeconds, 7)
})

t.test('asks for stream usage and forwards every parameter unchanged', async (t) => {
  const request = { model: 'gpt-4o', messages: [{ role: 'developer' as const, content: 'be brief' }, { role: 'user' as const, content: 'hi' }], stream: true, logprobs: true, top_logprobs: 2, service_tier: 'flex', reasoning_effort: 'low' }
  const { path, body } = definition.toUpstreamRequest(request, testContext('openai'))
  t.equal(path, '/chat/completions')
  t.same(body, { ...request, stream_options: { include_usage: true } })
})
