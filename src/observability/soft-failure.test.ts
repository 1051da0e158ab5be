import t from 'tap'
import { assistantMessage, type ChatResponse } from '../canonical/chat-response.ts'
import { softFailureOf, softFailureOfStream, toolSchemasOf } from './soft-failure.ts'

function answer (message: ChatResponse['choices'][number]['message'], finish: ChatResponse['choices'][number]['finish_reason'] = 'stop'): ChatResponse {
  return { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message, finish_reason: finish, logprobs: null }] } as ChatResponse
}
const call = (args: string) => ({ id: 'call_1', type: 'function' as const, function: { name: 'lookup', arguments: args } })

t.test('whole answers', async (t) => {
  t.equal(softFailureOf(answer(assistantMessage('', [], ''))), 'empty', 'no text, no tool call, stop')
  t.equal(softFailureOf(answer(assistantMessage('', [], ''), 'length')), undefined, 'cut off by max_tokens: not the provider\'s fault')
  t.equal(softFailureOf(answer(assistantMessage('hello', [], ''))), undefined)
  t.equal(softFailureOf(answer(assistantMessage('', [call('{"city":"Paris"}')], ''), 'tool_calls')), undefined, 'a tool call is an answer')
  t.equal(softFailureOf(answer(assistantMessage('', [call('{"city": "Par')], ''), 'tool_calls')), 'bad_tool_json')
  t.equal(softFailureOf(answer(assistantMessage('text too', [call('{"a":1}'), call('not json')], ''), 'tool_calls')), 'bad_tool_json', 'any call counts')
  t.equal(softFailureOf({ ...answer(assistantMessage('x', [], '')), choices: [] }), undefined, 'no choice, nothing to judge')
})

const WEATHER = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'], additionalProperties: false } } }]

t.test('whole answers: tool arguments that do not fit a simple schema', async (t) => {
  const schemas = toolSchemasOf(WEATHER)
  const judged = (args: string) => softFailureOf(answer(assistantMessage('', [call(args)], ''), 'tool_calls'), schemas)
  t.equal(judged('{"city":"Paris","days":3,"unit":"c"}'), undefined)
  t.equal(judged('{"days":3}'), 'bad_tool_args', 'a required property missing')
  t.equal(judged('{"city":7}'), 'bad_tool_args', 'a string that is a number')
  t.equal(judged('{"city":"Paris","days":2.5}'), 'bad_tool_args', 'an integer that is not')
  t.equal(judged('{"city":"Paris","unit":"k"}'), 'bad_tool_args', 'outside the enum')
  t.equal(judged('{"city":"Paris","country":"FR"}'), 'bad_tool_args', 'a property the schema shuts out')
  t.equal(judged('["Paris"]'), 'bad_tool_args', 'not an object')
  t.equal(judged('{"city": '), 'bad_tool_json', 'not JSON is worse')
  const anthropic = toolSchemasOf([{ name: 'lookup', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }])
  t.equal(softFailureOf(answer(assistantMessage('', [call('{}')], ''), 'tool_calls'), anthropic), 'bad_tool_args', 'Anthropic\'s tool shape')
  const complex = toolSchemasOf([{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', anyOf: [{ required: ['a'] }] } } }])
  t.equal(softFailureOf(answer(assistantMessage('', [call('{}')], ''), 'tool_calls'), complex), undefined, 'a schema that is not simple is not judged')
  t.equal(softFailureOf(answer(assistantMessage('', [call('{"x":1}')], ''), 'tool_calls'), toolSchemasOf(undefined)), undefined, 'no tools declared')
})

t.test('streams', async (t) => {
  const calls = (args: string) => new Map([[0, { name: 'lookup', arguments: args, overflow: false }]])
  t.equal(softFailureOfStream({ outputChars: 0, longestGapMs: 0 }), 'empty')
  t.equal(softFailureOfStream({ outputChars: 12, longestGapMs: 0 }), undefined)
  t.equal(softFailureOfStream({ outputChars: 12, longestGapMs: 900 }, undefined, 1000), undefined)
  t.equal(softFailureOfStream({ outputChars: 12, longestGapMs: 1200 }, undefined, 1000), 'stall')
  t.equal(softFailureOfStream({ outputChars: 12, longestGapMs: 1200 }), undefined, 'no threshold outside a group')
  t.equal(softFailureOfStream({ outputChars: 20, longestGapMs: 0, toolCalls: calls('{"city":') }, toolSchemasOf(WEATHER)), 'bad_tool_json', 'streamed arguments')
  t.equal(softFailureOfStream({ outputChars: 20, longestGapMs: 0, toolCalls: calls('{"town":"x"}') }, toolSchemasOf(WEATHER)), 'bad_tool_args')
  t.equal(softFailureOfStream({ outputChars: 20, longestGapMs: 0, toolCalls: new Map([[0, { name: 'lookup', arguments: '', overflow: true }]]) }, toolSchemasOf(WEATHER)), undefined, 'too long to keep: not judged')
})
