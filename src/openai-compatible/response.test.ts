import t from 'tap'
import { fromOpenAICompatibleResponse } from './response.ts'
import { GatewayError } from '../canonical/errors.ts'
import { noticingContext, testDialect } from '../../test/helpers/test-dialect.ts'

const answer = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'cmpl-1', object: 'chat.completion', created: 1700000000, model: 'test-1',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'eos' }],
  usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, queue_time: 0.1 },
  ...extra
})

t.test('an answer in OpenAI\'s shape, with the provider\'s finish reason mapped and foreign usage fields dropped', async (t) => {
  const { ctx } = noticingContext()
  const response = fromOpenAICompatibleResponse(answer({ content: 'hello' }, { vendor_extra: 1 }), ctx, testDialect())
  t.same(response, {
    id: 'cmpl-1', object: 'chat.completion', created: 1700000000, model: 'test-1',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hello', refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }
  })
})

t.test('tool calls: content null beside them, object arguments as JSON text, missing ids made', async (t) => {
  const { ctx } = noticingContext()
  const response = fromOpenAICompatibleResponse(answer({ content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] }), ctx, testDialect())
  const message = response.choices[0]?.message
  t.equal(message?.content, null)
  t.match(message?.tool_calls, [{ id: /^call_/, type: 'function', function: { name: 'f', arguments: '{"a":1}' } }])
})

t.test('thinking parts and reasoning fields become reasoning_content', async (t) => {
  const { ctx } = noticingContext()
  const parts = fromOpenAICompatibleResponse(answer({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] }, { type: 'text', text: 'yes' }] }), ctx, testDialect())
  t.match(parts.choices[0]?.message, { content: 'yes', reasoning_content: 'hmm' })
  const field = fromOpenAICompatibleResponse(answer({ content: 'yes', reasoning: 'because' }), ctx, testDialect())
  t.match(field.choices[0]?.message, { content: 'yes', reasoning_content: 'because' })
  t.notOk('reasoning' in (field.choices[0]?.message ?? {}))
})

t.test('usage from a vendor field when usage itself is missing; an in-band error fails the answer', async (t) => {
  const { ctx } = noticingContext()
  const bare: Record<string, unknown> = answer({ content: 'x' })
  delete bare.usage
  const vendor = fromOpenAICompatibleResponse({ ...bare, x_test: { usage: { prompt_tokens: 1, completion_tokens: 2 } } }, ctx, testDialect())
  t.same(vendor.usage, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })
  const failed = t.throws(() => fromOpenAICompatibleResponse({ ...bare, x_test: { error: 'lost' } }, ctx, testDialect())) as unknown as GatewayError
  t.ok(failed instanceof GatewayError)
  t.match(failed, { status: 502, message: 'Testco: lost' })
})

t.test('a finish reason that means failure is a 502; an unknown one is stop, with a notice', async (t) => {
  const { ctx, notices } = noticingContext()
  t.throws(() => fromOpenAICompatibleResponse({ ...answer({ content: 'x' }), choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'failed' }] }, ctx, testDialect()),
    { status: 502, message: 'Testco: the provider stopped with an error' })
  const odd = fromOpenAICompatibleResponse({ ...answer({ content: 'x' }), choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'sparkles' }] }, ctx, testDialect())
  t.equal(odd.choices[0]?.finish_reason, 'stop')
  t.same(notices, [{ message: 'unknown finish reason, sent as stop', fields: { finishReason: 'sparkles' } }])
})

t.test('an answer of another shape is a protocol error', async (t) => {
  const { ctx } = noticingContext()
  t.throws(() => fromOpenAICompatibleResponse({ choices: 'none' }, ctx, testDialect()), { status: 502, message: /unexpected shape/ })
})

t.test('keepUnknownResponseFields passes the provider\'s own fields on (OpenAI itself)', async (t) => {
  const { ctx } = noticingContext()
  const response = fromOpenAICompatibleResponse(answer({ content: 'x', annotations: [] }, { service_tier: 'default' }), ctx, testDialect({ keepUnknownResponseFields: true }))
  t.equal((response as Record<string, unknown>).service_tier, 'default')
  t.same((response.choices[0]?.message as Record<string, unknown>).annotations, [])
})
