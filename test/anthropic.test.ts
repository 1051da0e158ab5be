import t from 'tap'
import OpenAI from 'openai'
import { startSimulator } from '../providers/anthropic/simulator.ts'
import { simulatorEnv, startGateway } from './helpers/gateway.ts'

// Anthropic end to end: the official openai SDK against the gateway, the gateway against the Anthropic simulator.

const anthropic = await startSimulator()
t.teardown(() => anthropic.close())
const gateway = await startGateway(t, simulatorEnv({ anthropic }))
const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-credential-never-forwarded', maxRetries: 0 })
const weather: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }
t.beforeEach(() => { anthropic.reset() })

t.test('text, a stream with usage, and tool calls streamed and not', async (t) => {
  const { data, response } = await client.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hello' }], temperature: 1.5 }).withResponse()
  t.equal(response.headers.get('x-switchyard-provider'), 'anthropic', 'claude-* is owned by Anthropic')
  t.match(data, { object: 'chat.completion', choices: [{ finish_reason: 'stop', message: { content: /You said: Hello/ } }] })
  t.ok((data.usage?.prompt_tokens ?? 0) > 0)
  const sent = anthropic.requests.at(-1)
  t.match(sent?.body, { model: 'claude-sonnet-4-6', max_tokens: 64000, temperature: 1 }, 'max_tokens from the catalog, temperature clamped')
  t.equal(sent?.headers['anthropic-version'], '2023-06-01')
  t.equal(sent?.headers['x-api-key'], anthropic.apiKey)
  t.notOk(JSON.stringify(sent?.headers).includes('client-credential'), 'the client credential is not forwarded')

  let text = ''
  let usage: OpenAI.CompletionUsage | undefined | null
  const finishes: string[] = []
  for await (const chunk of await client.chat.completions.create({ model: 'anthropic:claude-haiku-4-5', messages: [{ role: 'user', content: 'Stream please' }], stream: true, stream_options: { include_usage: true } })) {
    text += chunk.choices[0]?.delta.content ?? ''
    if (chunk.choices[0]?.finish_reason != null) finishes.push(chunk.choices[0].finish_reason)
    usage = chunk.usage ?? usage
  }
  t.match(text, /You said: Stream please/)
  t.same(finishes, ['stop'])
  t.ok((usage?.completion_tokens ?? 0) > 0 && (usage?.prompt_tokens ?? 0) > 0)

  const called = await client.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] })
  t.match(called.choices[0], { finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ id: /^toolu_/, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } })
  const streamed = await client.chat.completions.stream({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] }).finalChatCompletion()
  t.match(streamed.choices[0], { finish_reason: 'tool_calls', message: { tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } })
})

t.test('a multi-turn conversation arrives in native form and the answer comes back', async (t) => {
  const first: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are a weather bot.' },
    { role: 'user', content: [{ type: 'text', text: 'Where is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }
  ]
  const call = await client.chat.completions.create({ model: 'claude-sonnet-4-6', messages: first, tools: [weather] })
  const toolCall = call.choices[0]?.message.tool_calls?.[0]
  if (toolCall === undefined || toolCall.type !== 'function') {
    t.fail('no tool call')
    return
  }
  const answer = await client.chat.completions.create({
    model: 'claude-sonnet-4-6',
    tools: [weather],
    tool_choice: 'none',
    messages: [...first, { role: 'assistant', content: '', tool_calls: [toolCall] }, { role: 'tool', tool_call_id: toolCall.id, content: '21 °C' }, { role: 'user', content: 'Thanks!' }]
  })
  t.match(answer.choices[0], { finish_reason: 'stop', message: { content: /You said: Thanks!/ } })
  t.same((anthropic.requests.at(-1)?.body as { messages: unknown, system: unknown }).messages, [
    { role: 'user', content: [{ type: 'text', text: 'Where is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: toolCall.id, name: 'get_weather', input: { city: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolCall.id, content: '21 °C' }, { type: 'text', text: 'Thanks!' }] }
  ])
  t.same((anthropic.requests.at(-1)?.body as { system: unknown }).system, [{ type: 'text', text: 'You are a weather bot.' }])
})

t.test('Anthropic overloaded (529) is a 503 with retry-after to an OpenAI client', async (t) => {
  anthropic.fail({ kind: 'status', status: 529, retryAfter: '2' })
  const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] }) })
  t.equal(response.status, 503)
  t.equal(response.headers.get('retry-after'), '2')
  t.match(await response.json(), { error: { code: 'overloaded_error', message: /Anthropic error \(529 overloaded_error\)/ } })
})
