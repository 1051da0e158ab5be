import t from 'tap'
import { definition } from './definition.ts'
import { readFixture, readJsonFixture } from '../../test/helpers/fixtures.ts'
import { testContext, translateFixture } from '../../test/helpers/accumulate.ts'
import { GatewayError } from '../../src/canonical/errors.ts'
import { caught } from '../../test/helpers/gateway.ts'

t.test('reads usage from x_groq and keeps one value', async (t) => {
  const result = await translateFixture(definition, await readFixture('groq', 'text.stream.sse'))
  t.equal(result.text.length, 277)
  t.same(result.usage, { prompt_tokens: 18, completion_tokens: 73, total_tokens: 91 }, 'timings dropped, tokens kept')
  t.same(result.finishReasons, ['stop'])
  t.notOk(JSON.stringify(result.chunks).includes('x_groq'))
})

t.test('turns reasoning deltas into reasoning_content and keeps the whole tool call', async (t) => {
  const result = await translateFixture(definition, await readFixture('groq', 'tool-call.stream.sse'))
  t.equal(result.reasoning.length, 92)
  t.same(result.tools, [{ index: 0, id: 'fc_bfb39741-3748-4def-9886-a93fc9c64a90', name: 'get_something_by_name', arguments: '{"name":"example"}' }])
  t.same(result.finishReasons, ['tool_calls'])
  t.same(result.usage?.completion_tokens_details, { reasoning_tokens: 23 })
  const answer = await translateFixture(definition, await readFixture('groq', 'reasoning.stream.sse'))
  t.equal(answer.text, 'The tool returned the expected result for the valid call.')
  t.equal(answer.reasoning.length, 176)
})

t.test('ends with a gateway error when Groq sends an error event mid-stream', async (t) => {
  const error = await translateFixture(definition, await readFixture('groq', 'error-mid-stream.stream.sse')).catch((err: unknown) => err)
  t.ok(error instanceof GatewayError)
  t.match((error as GatewayError).message, /^Groq error \(502\): Tool call validation failed/)
  t.equal((error as GatewayError).code, 'tool_use_failed')
  t.notOk((error as GatewayError).message.includes('failed_generation'), 'the raw generation is not echoed')
})

t.test('translates recorded responses', async (t) => {
  const text = definition.fromUpstreamResponse(await readJsonFixture('groq', 'text.json'), testContext('groq'))
  t.match(text.choices[0]?.message.content, /^Here's a joke about OpenTelemetry/)
  t.same(text.usage, { prompt_tokens: 18, completion_tokens: 43, total_tokens: 61 })
  t.notOk('x_groq' in text)
  const tool = definition.fromUpstreamResponse(await readJsonFixture('groq', 'tool-call.json'), testContext('groq'))
  t.same(tool.choices[0]?.message.tool_calls, [{ id: 'ax9fskhev', type: 'function', function: { name: 'weather', arguments: '{}' } }])
  t.equal(tool.choices[0]?.message.content, null)
  t.equal(tool.choices[0]?.finish_reason, 'tool_calls')
})

t.test('drops what Groq rejects and refuses n > 1 before calling it', async (t) => {
  const { body } = definition.toUpstreamRequest({
    model: 'llama-3.3-70b-versatile',
    messages: [
      { role: 'developer', content: 'be brief' },
      { role: 'assistant', content: 'earlier', reasoning_content: 'thoughts', refusal: null },
      { role: 'user', content: 'hi', name: 'ann' }
    ],
    stream: true,
    stream_options: { include_usage: true },
    logprobs: true,
    presence_penalty: 1,
    metadata: { a: 'b' },
    store: true,
    service_tier: 'default',
    seed: 3
  }, testContext('groq'))
  t.same(body, {
    model: 'llama-3.3-70b-versatile',
    messages: [{ role: 'system', content: 'be brief' }, { role: 'assistant', content: 'earlier' }, { role: 'user', content: 'hi', name: 'ann' }],
    stream: true,
    service_tier: 'on_demand',
    seed: 3
  })
  const refused = caught(() => definition.toUpstreamRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, testContext('groq')))
  t.ok(refused instanceof GatewayError)
  t.match(refused, { status: 400, param: 'n', message: 'Groq supports n up to 1; got 2.' })
})

t.test('maps Groq 498 (flex capacity) to a retryable 503', async (t) => {
  const error = definition.parseUpstreamError(498, { error: { message: 'capacity exceeded', type: 'capacity_exceeded' } }, undefined)
  t.equal(error.status, 503)
  t.equal(error.kind, 'overloaded')
  t.equal(error.upstreamStatus, 498)
})
