import t from 'tap'
import { definition } from './definition.ts'
import { readFixture, readJsonFixture } from '../../test/helpers/fixtures.ts'
import { testContext, translateFixture } from '../../test/helpers/accumulate.ts'

t.test('splits the last chunk into content, finish and usage and maps eos to stop', async (t) => {
  const result = await translateFixture(definition, await readFixture('together', 'text.stream.sse'))
  t.equal(result.text, '2')
  t.same(result.finishReasons, ['stop'])
  t.same(result.usage, { prompt_tokens: 48, completion_tokens: 2, total_tokens: 50 })
  t.equal(result.roles, 1, 'role repeated on every Together delta is sent once')
  const serialized = JSON.stringify(result.chunks)
  for (const leaked of ['"text"', 'token_id', 'tool_calls":null', '"seed"']) t.notOk(serialized.includes(leaked), `no ${leaked}`)
  const finishChunk = result.chunks.find((chunk) => chunk.choices[0]?.finish_reason != null)
  t.same(finishChunk?.choices[0]?.delta, {}, 'the finish chunk carries no content')
})

t.test('translates a recorded response (eos, extra prompt field)', async (t) => {
  const response = definition.fromUpstreamResponse(await readJsonFixture('together', 'text.json'), testContext('together'))
  t.equal(response.choices[0]?.finish_reason, 'stop')
  t.match(response.choices[0]?.message.content, /OpenTelemetry convention/)
  t.notOk('prompt' in response)
})

t.test('maps a recorded error body', async (t) => {
  const error = definition.parseUpstreamError(400, await readJsonFixture('together', 'error-400.json'), undefined)
  t.equal(error.message, 'Together AI error (400): Invalid request')
  t.equal(error.param, 'model')
  t.equal(definition.parseUpstreamError(500, { error: 'legacy string body' }, undefined).message, 'Together AI error (500): legacy string body')
  t.equal(definition.parseUpstreamError(400, { message: 'Input validation error', type_: 'invalid_request_error' }, undefined).message,
    'Together AI error (400): Input validation error')
})

t.test('renames and reshapes parameters for Together', async (t) => {
  const { body } = definition.toUpstreamRequest({
    model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'be ' }, { type: 'text', text: 'brief' }] },
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'result' }] }
    ],
    max_completion_tokens: 50,
    stop: 'END',
    logprobs: true,
    top_logprobs: 3,
    user: 'u1',
    stream: true,
    stream_options: { include_usage: true }
  }, testContext('together'))
  t.same(body, {
    model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', content: 'result', tool_call_id: 'call_1' }
    ],
    max_tokens: 50,
    stop: ['END'],
    logprobs: 3,
    stream: true
  })
})

t.test('an image in a message Together takes as text only is refused, not dropped', async (t) => {
  const thrown = (() => {
    try {
      definition.toUpstreamRequest({
        model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
        messages: [
          { role: 'user', content: 'screenshot?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'shot', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'here' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }
        ]
      }, testContext('together'))
    } catch (error) {
      return error
    }
    return undefined
  })()
  t.match(thrown, { status: 400, param: 'messages[2].content[1]', message: /Together AI takes only text in tool messages, not 'image_url'/ })
})
