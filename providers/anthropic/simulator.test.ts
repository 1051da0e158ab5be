import t from 'tap'
import Anthropic from '@anthropic-ai/sdk'
import { startSimulator } from './simulator.ts'

// The simulator is held to Anthropic's own SDK: messages.create and messages.stream must parse what it sends.

const simulator = await startSimulator()
t.teardown(() => simulator.close())
const client = new Anthropic({ apiKey: simulator.apiKey, baseURL: new URL(simulator.url).origin, maxRetries: 0 })
const weather: Anthropic.Tool = { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }

t.test('text and a stream, with usage', async (t) => {
  const message = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] })
  t.match(message, { type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: /You said: Hello there/ }] })
  t.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0)
  t.match(simulator.requests.at(-1)?.headers['anthropic-version'], /^\d{4}-\d{2}-\d{2}$/)

  const stream = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'Stream this' }] })
  let text = ''
  stream.on('text', (delta) => { text += delta })
  const final = await stream.finalMessage()
  t.match(text, /You said: Stream this/)
  t.equal(final.stop_reason, 'end_turn')
  t.ok(final.usage.output_tokens > 0)
})

t.test('tool use, streamed and not, and the tool_result turn', async (t) => {
  const called = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, tools: [weather], messages: [{ role: 'user', content: 'Weather in Paris?' }] })
  t.equal(called.stop_reason, 'tool_use')
  const use = called.content.find((block) => block.type === 'tool_use')
  t.match(use, { type: 'tool_use', id: /^toolu_/, name: 'get_weather', input: { city: 'Paris' } })

  const streamed = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, tools: [weather], messages: [{ role: 'user', content: 'Weather?' }] }).finalMessage()
  t.match(streamed.content.find((block) => block.type === 'tool_use'), { name: 'get_weather', input: { city: 'Paris' } })

  if (use?.type !== 'tool_use') return
  const answer = await client.messages.create({
    model: 'claude-sonnet-4-6',
    max_tokens: 100,
    tools: [weather],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [use] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21 °C' }] }
    ]
  })
  t.match(answer.content, [{ type: 'text', text: /The tool answered: 21 °C/ }])
})

t.test('refusals the SDK surfaces as typed errors', async (t) => {
  const orphan = await client.messages.create({
    model: 'claude-sonnet-4-6',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] }, { role: 'user', content: 'no result' }]
  }).catch((error: unknown) => error)
  t.ok(orphan instanceof Anthropic.BadRequestError)
  t.match((orphan as Error).message, /tool_use` ids were found without `tool_result`/)
  const wrongKey = await new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: new URL(simulator.url).origin, maxRetries: 0 }).messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error)
  t.ok(wrongKey instanceof Anthropic.AuthenticationError)
  simulator.fail({ kind: 'status', status: 529 })
  const overloaded = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error)
  t.match(overloaded, { status: 529 })
})
