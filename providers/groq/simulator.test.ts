import t from 'tap'
import Groq from 'groq-sdk'
import { startSimulator } from './simulator.ts'

t.test('the official groq-sdk parses the simulator: text, stream with x_groq usage, tool calls, errors', async (t) => {
  const simulator = await startSimulator()
  t.teardown(() => simulator.close())
  const client = new Groq({ apiKey: simulator.apiKey, baseURL: new URL(simulator.url).origin, maxRetries: 0 })

  const reply = await client.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'Hi' }] })
  t.equal(reply.choices[0]?.message.content, 'Hello from the Groq simulator. You said: Hi')

  const stream = await client.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'Hi' }], stream: true })
  let text = ''
  let usageTokens = 0
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? ''
    usageTokens = chunk.x_groq?.usage?.total_tokens ?? usageTokens
  }
  t.equal(text, 'Hello from the Groq simulator. You said: Hi')
  t.ok(usageTokens > 0, 'usage arrives in x_groq on the finish chunk')

  const tools = await client.chat.completions.create({
    model: 'llama-3.3-70b-versatile',
    messages: [{ role: 'user', content: 'weather?' }],
    tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
  })
  t.match(tools.choices[0]?.message.tool_calls?.[0]?.id, /^[a-z0-9]{9}$/)
  t.equal(tools.choices[0]?.finish_reason, 'tool_calls')

  const strict = await client.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'x' }], foo: 1 } as never).catch((err: unknown) => err)
  t.ok(strict instanceof Groq.BadRequestError, 'unknown fields are refused as the real API does')
  t.match((strict as Error).message, /property 'foo' is unsupported/)
})
