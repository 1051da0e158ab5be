import t from 'tap'
import { definition } from './definition.ts'
import { toMistralToolCallId } from './tool-call-id.ts'
import { framedAsSse, readFixture, readJsonFixture } from '../../test/helpers/fixtures.ts'
import { testContext, translateFixture } from '../../test/helpers/accumulate.ts'
import { GatewayError } from '../../src/canonical/errors.ts'
import { caught } from '../../test/helpers/gateway.ts'

t.test('translates the recorded text stream, dropping the p padding', async (t) => {
  const result = await translateFixture(definition, await readFixture('mistral', 'text.stream.sse'))
  t.equal(result.text.length, 297)
  t.same(result.usage, { prompt_tokens: 11, completion_tokens: 80, total_tokens: 91 })
  t.same(result.finishReasons, ['stop'])
  t.notOk(JSON.stringify(result.chunks).includes('"p":'))
})

t.test('turns thinking content parts into reasoning_content', async (t) => {
  const result = await translateFixture(definition, await readFixture('mistral', 'thinking.stream.sse'))
  t.equal(result.reasoning.length, 421)
  t.match(result.reasoning, /^Okay, the user is asking how to cross the street\./)
  t.equal(result.text.length, 607)
  t.match(result.text, /^To cross the street safely/)
})

t.test('adds index and type to whole tool calls and splits the finish chunk', async (t) => {
  const result = await translateFixture(definition, framedAsSse(await readFixture('mistral', 'tool-call.chunks.jsonl')))
  t.same(result.tools, [{ index: 0, id: 'gSIMJiOkT', name: 'weather', arguments: '{"location": "San Francisco"}' }])
  const callChunk = result.chunks.find((chunk) => chunk.choices[0]?.delta.tool_calls !== undefined)
  t.same(callChunk?.choices[0]?.delta.tool_calls?.[0], { index: 0, id: 'gSIMJiOkT', type: 'function', function: { name: 'weather', arguments: '{"location": "San Francisco"}' } })
  t.equal(callChunk?.choices[0]?.finish_reason, null, 'the call and the finish reason come in separate chunks')
  t.same(result.finishReasons, ['tool_calls'])
  t.same(result.usage, { prompt_tokens: 124, completion_tokens: 22, total_tokens: 146 })
})

t.test('translates recorded responses and errors', async (t) => {
  const tool = definition.fromUpstreamResponse(await readJsonFixture('mistral', 'tool-call.json'), testContext('mistral'))
  t.same(tool.choices[0]?.message.tool_calls, [{ id: 'gSIMJiOkT', type: 'function', function: { name: 'weather', arguments: '{"location": "San Francisco"}' } }])
  const text = definition.fromUpstreamResponse(await readJsonFixture('mistral', 'text.json'), testContext('mistral'))
  t.match(text.choices[0]?.message.content, /^Here's a light-hearted/)
  t.equal(text.choices[0]?.message.tool_calls, undefined, 'tool_calls: null is not passed on')
  const unauthorized = definition.parseUpstreamError(401, await readJsonFixture('mistral', 'error-401.json'), undefined)
  t.equal(unauthorized.message, 'Mistral error (401): No API key found in request')
  t.equal(unauthorized.kind, 'authentication')
  const strict = definition.parseUpstreamError(422, { detail: [{ type: 'extra_forbidden', loc: ['body', 'foo'], msg: 'Extra inputs are not permitted' }] }, undefined)
  t.equal(strict.status, 422)
  t.match(strict.message, /extra_forbidden/)
  t.equal(definition.parseUpstreamError(400, { object: 'error', message: { detail: [{ msg: 'bad' }] }, type: 'invalid_request_error' }, undefined).message,
    'Mistral error (400): {"detail":[{"msg":"bad"}]}')
})

t.test('maps model_length to length and an error finish to a failure', async (t) => {
  const length = definition.fromUpstreamResponse({ choices: [{ message: { content: 'cut' }, finish_reason: 'model_length' }] }, testContext('mistral'))
  t.equal(length.choices[0]?.finish_reason, 'length')
  const failed = caught(() => definition.fromUpstreamResponse({ choices: [{ message: { content: '' }, finish_reason: 'error' }] }, testContext('mistral')))
  t.ok(failed instanceof GatewayError)
  t.match(failed, { status: 502, kind: 'upstream_error' })
})

t.test('renames seed, drops unknown fields and maps foreign tool call ids consistently', async (t) => {
  const foreignId = 'call_Zq8XkP2mR4tLwY7bN1cD5eFg'
  const { body } = definition.toUpstreamRequest({
    model: 'mistral-small-latest',
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: foreignId, type: 'function', function: { name: 'weather', arguments: '{}' } }], reasoning_content: 'x' },
      { role: 'tool', tool_call_id: foreignId, content: 'sunny' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'gSIMJiOkT', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'gSIMJiOkT', content: 'rainy' }
    ],
    seed: 7,
    max_completion_tokens: 20,
    stream: true,
    stream_options: { include_usage: true },
    user: 'u',
    logprobs: true,
    service_tier: 'auto'
  }, testContext('mistral'))
  const messages = body.messages as Array<{ tool_calls?: Array<{ id: string }>, tool_call_id?: string }>
  const mapped = messages[1]?.tool_calls?.[0]?.id
  t.match(mapped, /^[a-zA-Z0-9]{9}$/)
  t.equal(messages[2]?.tool_call_id, mapped, 'the tool result maps to the same id as its call')
  t.equal(toMistralToolCallId(foreignId), mapped, 'the same id maps the same way in every request')
  t.equal(messages[3]?.tool_calls?.[0]?.id, 'gSIMJiOkT', "Mistral's own ids pass unchanged")
  t.equal(messages[4]?.tool_call_id, 'gSIMJiOkT')
  t.notOk('reasoning_content' in (messages[1] ?? {}))
  t.same(Object.keys(body).sort(), ['max_tokens', 'messages', 'model', 'random_seed', 'stream'])
  t.equal(body.random_seed, 7)
})
