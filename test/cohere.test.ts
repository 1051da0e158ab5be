import t from 'tap'
import OpenAI from 'openai'
import { startSimulator } from '../providers/cohere/simulator.ts'
import { simulatorEnv, startGateway } from './helpers/gateway.ts'
import { streamedLogprobs } from './helpers/logprobs.ts'

// Cohere end to end: the official openai SDK against the gateway, the gateway against the Cohere simulator.

const cohere = await startSimulator()
t.teardown(() => cohere.close())
const gateway = await startGateway(t, simulatorEnv({ cohere }))
const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-credential-never-forwarded', maxRetries: 0 })
const weather: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }
t.beforeEach(() => { cohere.reset() })

t.test('text, a stream with usage, and tool calls streamed and not', async (t) => {
  const { data, response } = await client.chat.completions.create({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello' }], top_p: 1 }).withResponse()
  t.equal(response.headers.get('x-switchyard-provider'), 'cohere', 'command-* is owned by Cohere')
  t.match(data, { object: 'chat.completion', model: 'command-a-03-2025', choices: [{ finish_reason: 'stop', message: { content: /You said: Hello/ } }] })
  t.match(cohere.requests.at(-1)?.body, { p: 0.99 }, 'top_p clamped into Cohere\'s range')
  t.equal(cohere.requests.at(-1)?.headers.authorization, `Bearer ${cohere.apiKey}`, 'the provider key')
  t.notOk(JSON.stringify(cohere.requests.at(-1)?.headers).includes('client-credential'), 'the client credential is not forwarded')

  let text = ''
  let usage: OpenAI.CompletionUsage | undefined | null
  for await (const chunk of await client.chat.completions.create({ model: 'cohere:command-r-08-2024', messages: [{ role: 'user', content: 'Stream please' }], stream: true, stream_options: { include_usage: true } })) {
    text += chunk.choices[0]?.delta.content ?? ''
    usage = chunk.usage ?? usage
  }
  t.match(text, /You said: Stream please/)
  t.ok((usage?.prompt_tokens ?? 0) > 0)

  const called = await client.chat.completions.create({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] })
  t.match(called.choices[0], { finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ id: /^get_weather_/, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } })
  const streamed = await client.chat.completions.stream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] }).finalChatCompletion()
  t.match(streamed.choices[0], { finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } })
})

t.test('log probabilities reach the openai SDK in its shape, one entry per scored chunk, streamed and not', async (t) => {
  const reply = await client.chat.completions.create({ model: 'command-a-03-2025', logprobs: true, messages: [{ role: 'user', content: 'Hello' }] })
  const entries = reply.choices[0]?.logprobs?.content ?? []
  t.ok(entries.length > 1)
  t.equal(entries.map((entry) => entry.token).join(''), reply.choices[0]?.message.content, 'the entries spell the answer')
  for (const entry of entries) t.match(entry, { logprob: -0.25, bytes: [...Buffer.from(entry.token)], top_logprobs: [] }, 'a chunk\'s tokens\' log probabilities, summed')
  t.match(cohere.requests.at(-1)?.body, { logprobs: true })

  const { text, entries: streamed } = await streamedLogprobs(await client.chat.completions.create({ model: 'command-a-03-2025', logprobs: true, stream: true, messages: [{ role: 'user', content: 'Stream please' }] }))
  t.ok(text.length > 0)
  t.equal(streamed.map((entry) => entry.token).join(''), text, 'every piece of the stream came with its log probability')

  const plain = await client.chat.completions.create({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello' }] })
  t.equal(plain.choices[0]?.logprobs, null, 'null unless asked for')
})

t.test('a multi-turn conversation arrives in native form and the answer comes back', async (t) => {
  const image = 'data:image/png;base64,iVBORw0KGgo='
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are a weather bot.' },
    { role: 'user', content: [{ type: 'text', text: 'Where is this?' }, { type: 'image_url', image_url: { url: image } }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'get_weather_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'get_weather_abc', content: '21 °C' },
    { role: 'user', content: 'Thanks!' }
  ]
  const answer = await client.chat.completions.create({ model: 'command-a-03-2025', messages, tools: [weather], tool_choice: 'none' })
  t.match(answer.choices[0], { finish_reason: 'stop', message: { content: /You said: Thanks!/ } })
  t.same((cohere.requests.at(-1)?.body as { messages: unknown }).messages, [
    { role: 'system', content: 'You are a weather bot.' },
    { role: 'user', content: [{ type: 'text', text: 'Where is this?' }, { type: 'image_url', image_url: { url: image } }] },
    { role: 'assistant', tool_calls: [{ id: 'get_weather_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'get_weather_abc', content: '21 °C' },
    { role: 'user', content: 'Thanks!' }
  ])
  t.match(cohere.requests.at(-1)?.body, { tool_choice: 'NONE' })
})
