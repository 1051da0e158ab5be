import t from 'tap'
import { assistantMessage, type ChatResponse } from '../canonical/chat-response.ts'
import { softFailureOf, softFailureOfStream } from './soft-failure.ts'

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

t.test('streams', async (t) => {
  t.equal(softFailureOfStream(0), 'empty')
  t.equal(softFailureOfStream(12), undefined)
})
