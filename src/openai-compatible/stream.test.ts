import t from 'tap'
import type { ChatChunk } from '../canonical/chat-chunk.ts'
import { GatewayError } from '../canonical/errors.ts'
import { createOpenAICompatibleStreamTranslator } from './stream.ts'
import { noticingContext, testDialect } from '../../test/helpers/test-dialect.ts'
import type { OpenAICompatibleDialect } from './dialect.ts'

function translate (events: Array<Record<string, unknown> | string>, dialect: OpenAICompatibleDialect = testDialect()): { chunks: ChatChunk[], error: unknown } {
  const { ctx } = noticingContext(true)
  const chunks: ChatChunk[] = []
  const translator = createOpenAICompatibleStreamTranslator(ctx, (chunk) => { chunks.push(chunk) }, dialect)
  try {
    for (const event of events) {
      if (translator.event({ event: undefined, id: undefined, data: typeof event === 'string' ? event : JSON.stringify(event) })) break
    }
    translator.end()
    return { chunks, error: undefined }
  } catch (error) {
    return { chunks, error }
  }
}

const envelope = { id: 'c1', object: 'chat.completion.chunk', created: 1700000000, model: 'test-1' }
const delta = (d: Record<string, unknown>, finish: string | null = null, index = 0) => ({ ...envelope, choices: [{ index, delta: d, finish_reason: finish }] })

t.test('role once per choice, content as it comes, finish in a chunk of its own, usage last', async (t) => {
  const { chunks, error } = translate([
    delta({ role: 'assistant', content: '' }),
    delta({ role: 'assistant', content: 'Hel' }),
    { ...delta({ content: 'lo' }, 'eos'), usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } },
    '[DONE]'
  ])
  t.equal(error, undefined)
  t.same(chunks.map((chunk) => chunk.choices.map((choice) => [choice.delta, choice.finish_reason])), [
    [[{ role: 'assistant', content: '' }, null]],
    [[{ content: 'Hel' }, null]],
    [[{ content: 'lo' }, null]],
    [[{}, 'stop']],
    []
  ])
  t.same(chunks.at(-1)?.usage, { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 })
  t.ok(chunks.every((chunk) => chunk.id === 'c1' && chunk.model === 'test-1'), 'one envelope for the stream')
})

t.test('tool calls without index are numbered by id; object arguments become text', async (t) => {
  const { chunks } = translate([
    delta({ role: 'assistant', tool_calls: [{ id: 'a', function: { name: 'f', arguments: { x: 1 } } }, { id: 'b', function: { name: 'g', arguments: '{}' } }] }),
    delta({}, 'tool_calls'),
    '[DONE]'
  ])
  t.same(chunks[0]?.choices[0]?.delta.tool_calls, [
    { index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
    { index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } }
  ])
})

t.test('usage and errors from vendor fields', async (t) => {
  const usage = translate([delta({ content: 'x' }, 'stop'), { ...envelope, choices: [], x_test: { usage: { prompt_tokens: 5, completion_tokens: 1 } } }, '[DONE]'])
  t.same(usage.chunks.at(-1)?.usage, { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 })
  const failed = translate([delta({ content: 'x' }), { ...envelope, choices: [], x_test: { error: 'capacity lost' } }])
  t.ok(failed.error instanceof GatewayError)
  t.match(failed.error, { status: 502, message: 'Testco error (502): capacity lost' })
})

t.test('an error object mid-stream, a finish reason meaning failure, and a stream cut short all fail it', async (t) => {
  t.match(translate([delta({ content: 'x' }), { error: { message: 'boom', code: 'overloaded' } }]).error, { status: 502, code: 'overloaded', message: 'Testco error (502): boom' })
  t.match(translate([delta({ content: 'x' }, 'failed')]).error, { status: 502, message: 'Testco: the provider stopped generating with an error' })
  t.match(translate([delta({ content: 'x' })]).error, { status: 502, message: /closed the stream before it finished/ })
  t.match(translate(['not json']).error, { status: 502, message: /not JSON/ })
  t.match(translate([{ choices: 'x' }]).error, { status: 502, message: /unexpected shape/ })
})

t.test('[DONE] completes the stream: nothing after it is read', async (t) => {
  const { chunks, error } = translate([delta({ content: 'x' }, 'stop'), '[DONE]', delta({ content: 'late' })])
  t.equal(error, undefined)
  t.notOk(JSON.stringify(chunks).includes('late'))
})
