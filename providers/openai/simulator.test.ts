import t from 'tap'
import OpenAI from 'openai'
import { startSimulator } from './simulator.ts'

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }
}

t.test('the official openai SDK parses the simulator: text, stream with usage, tool calls, errors', async (t) => {
  const simulator = await startSimulator()
  t.teardown(() => simulator.close())
  const client = new OpenAI({ apiKey: simulator.apiKey, baseURL: simulator.url, maxRetries: 0 })

  const reply = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi there' }] })
  t.equal(reply.choices[0]?.message.content, 'Hello from the OpenAI simulator. You said: Hi there')
  t.equal(reply.choices[0]?.finish_reason, 'stop')
  t.equal(reply.usage?.total_tokens, (reply.usage?.prompt_tokens ?? 0) + (reply.usage?.completion_tokens ?? 0))

  const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Stream it' }], stream_options: { include_usage: true } })
  const final = await stream.finalChatCompletion()
  t.equal(final.choices[0]?.message.content, 'Hello from the OpenAI simulator. You said: Stream it')
  t.ok((final.usage?.completion_tokens ?? 0) > 0, 'usage chunk parsed')

  const toolStream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] })
  const toolFinal = await toolStream.finalChatCompletion()
  const call = toolFinal.choices[0]?.message.tool_calls?.[0]
  t.equal(call?.type === 'function' ? call.function.name : undefined, 'get_weather')
  t.same(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined, { city: 'Paris' })
  t.match(call?.id, /^call_[a-zA-Z0-9]{24}$/)
  t.equal(toolFinal.choices[0]?.finish_reason, 'tool_calls')

  simulator.fail({ kind: 'status', status: 429, retryAfter: '3' })
  const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((err: unknown) => err)
  t.ok(error instanceof OpenAI.RateLimitError)
  t.equal((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'), '3')

  const badKey = new OpenAI({ apiKey: 'wrong', baseURL: simulator.url, maxRetries: 0 })
  t.ok(await badKey.models.list().catch((err: unknown) => err) instanceof OpenAI.AuthenticationError)
  t.ok((await client.models.list()).data.some((model) => model.id === 'gpt-4o'))
})
