import t from 'tap'
import OpenAI from 'openai'
import { startSimulator } from '../providers/gemini/simulator.ts'
import { simulatorEnv, startGateway } from './helpers/gateway.ts'
import { streamedLogprobs } from './helpers/logprobs.ts'

// Gemini end to end: the official openai SDK against the gateway, the gateway against the Gemini simulator.

const gemini = await startSimulator()
t.teardown(() => gemini.close())
const gateway = await startGateway(t, simulatorEnv({ gemini }))
const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 })
const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } }
}
t.beforeEach(() => { gemini.reset() })

t.test('Gemini is the default: an unprefixed model nobody else owns reaches it, mapped to its default model', async (t) => {
  const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }).withResponse()
  t.equal(response.headers.get('x-switchyard-provider'), 'gemini')
  t.equal(response.headers.get('x-switchyard-model'), 'gemini-2.5-flash')
  t.match(data.choices[0]?.message.content, /You said: Hello/)
  t.equal(gemini.requests.at(-1)?.path, '/v1beta/models/gemini-2.5-flash:generateContent')
  t.notOk(JSON.stringify(gemini.requests.at(-1)?.headers).includes('unused'), 'the client credential is not forwarded')
})

t.test('text, a stream with usage, and tool calls streamed and not, through the openai SDK', async (t) => {
  const text = await client.chat.completions.create({ model: 'gemini:gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi there' }] })
  t.match(text, { object: 'chat.completion', model: 'gemini-2.5-flash', choices: [{ finish_reason: 'stop', message: { role: 'assistant', content: /You said: Hi there/ } }] })
  t.ok((text.usage?.prompt_tokens ?? 0) > 0 && (text.usage?.completion_tokens ?? 0) > 0)

  const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Stream please' }], stream: true, stream_options: { include_usage: true } })
  let streamed = ''
  let usage: OpenAI.CompletionUsage | undefined | null
  const finishes: string[] = []
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.delta.content ?? ''
    if (chunk.choices[0]?.finish_reason != null) finishes.push(chunk.choices[0].finish_reason)
    usage = chunk.usage ?? usage
  }
  t.match(streamed, /You said: Stream please/)
  t.same(finishes, ['stop'])
  t.ok((usage?.total_tokens ?? 0) > 0, 'one usage chunk at the end')
  t.match(gemini.requests.at(-1)?.path, /:streamGenerateContent\?alt=sse$/)

  const called = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] })
  t.equal(called.choices[0]?.finish_reason, 'tool_calls')
  t.match(called.choices[0]?.message.tool_calls, [{ type: 'function', id: /^call_/, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }])
  t.same((gemini.requests.at(-1)?.body as { tools: unknown }).tools, [{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }],
    'additionalProperties removed before Gemini could refuse it')

  const runner = client.chat.completions.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] })
  const final = await runner.finalChatCompletion()
  t.match(final.choices[0]?.message.tool_calls, [{ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }])
  t.equal(final.choices[0]?.finish_reason, 'tool_calls')
})

t.test('log probabilities reach the openai SDK in its shape, streamed and not', async (t) => {
  const reply = await client.chat.completions.create({ model: 'gemini-2.5-flash', logprobs: true, top_logprobs: 2, messages: [{ role: 'user', content: 'Hi there' }] })
  const entries = reply.choices[0]?.logprobs?.content ?? []
  t.ok(entries.length > 1)
  t.equal(entries.map((entry) => entry.token).join(''), reply.choices[0]?.message.content, 'one entry per token, spelling the answer')
  for (const entry of entries) {
    t.type(entry.logprob, 'number')
    t.same(entry.bytes, [...Buffer.from(entry.token)])
    t.equal(entry.top_logprobs.length, 2, 'as many alternatives as asked')
    t.equal(entry.top_logprobs[0]?.token, entry.token)
  }
  t.match((gemini.requests.at(-1)?.body as { generationConfig: unknown }).generationConfig, { responseLogprobs: true, logprobs: 2 })

  const { text, entries: streamed } = await streamedLogprobs(await client.chat.completions.create({ model: 'gemini-2.5-flash', logprobs: true, stream: true, messages: [{ role: 'user', content: 'Stream please' }] }))
  t.ok(text.length > 0)
  t.equal(streamed.map((entry) => entry.token).join(''), text, 'every piece of the stream came with its log probability')
  t.ok(streamed.every((entry) => entry.top_logprobs.length === 0), 'no alternatives unless asked for')

  const plain = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi there' }] })
  t.equal(plain.choices[0]?.logprobs, null, 'null unless asked for')
})

t.test('a multi-turn conversation arrives in native form, and the Gemini 3 thought signature survives the round trip', async (t) => {
  const image = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
  const first: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are a weather bot.' },
    { role: 'user', content: [{ type: 'text', text: 'Where is this, and what is the weather?' }, { type: 'image_url', image_url: { url: image } }] }
  ]
  const call = await client.chat.completions.create({ model: 'gemini:gemini-3-flash-preview', messages: first, tools: [weather] })
  const toolCall = call.choices[0]?.message.tool_calls?.[0]
  t.ok(toolCall !== undefined && toolCall.type === 'function')
  if (toolCall === undefined || toolCall.type !== 'function') return

  const second: OpenAI.ChatCompletionMessageParam[] = [
    ...first,
    { role: 'assistant', content: null, tool_calls: [toolCall] },
    { role: 'tool', tool_call_id: toolCall.id, content: '{"temperature":21,"sky":"clear"}' },
    { role: 'user', content: 'Thanks! Anything else?' }
  ]
  const answer = await client.chat.completions.create({ model: 'gemini:gemini-3-flash-preview', messages: second, tools: [weather], tool_choice: 'none' })
  t.equal(answer.choices[0]?.finish_reason, 'stop')
  t.match(answer.choices[0]?.message.content, /You said: Thanks! Anything else\?/)

  const received = gemini.requests.at(-1)?.body as Record<string, unknown>
  t.same(received.systemInstruction, { parts: [{ text: 'You are a weather bot.' }] })
  t.same(received.contents, [
    { role: 'user', parts: [{ text: 'Where is this, and what is the weather?' }, { inlineData: { mimeType: 'image/png', data: image.slice('data:image/png;base64,'.length) } }] },
    { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CpYCAdHtim9xqSimulatedThoughtSignature' }] },
    { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 21, sky: 'clear' } } }] },
    { role: 'user', parts: [{ text: 'Thanks! Anything else?' }] }
  ])

  // Gemini checks signatures in the current turn: the calls after the last user text.
  const withSignature = second.slice(0, -1)
  const resumed = await client.chat.completions.create({ model: 'gemini:gemini-3-flash-preview', messages: withSignature, tools: [weather] })
  t.match(resumed.choices[0]?.message.content, /The tool answered/)
  const stripped = withSignature.map((message) => message.role === 'assistant' ? { ...message, tool_calls: [{ ...toolCall, id: 'call_plain' }] } : message.role === 'tool' ? { ...message, tool_call_id: 'call_plain' } : message)
  const refused = await client.chat.completions.create({ model: 'gemini:gemini-3-flash-preview', messages: stripped, tools: [weather] }).catch((error: unknown) => error)
  t.ok(refused instanceof OpenAI.BadRequestError, 'without the signature Gemini 3 refuses, and the client sees a 400')
  t.match((refused as Error).message, /thought_signature/)
})

t.test('a bad Gemini key is a 401 about the provider key, never the key itself', async (t) => {
  const broken = await startGateway(t, { GEMINI_API_KEY: 'AIzaTheWrongKeyForThisTest0000', GEMINI_BASE_URL: gemini.url })
  const response = await fetch(`${broken.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }) })
  t.equal(response.status, 401)
  const text = await response.text()
  t.match(JSON.parse(text), { error: { code: 'invalid_provider_key', message: /invalid provider key/ } })
  t.notOk(text.includes('AIzaTheWrongKey'))
  t.notOk(broken.logs.join('\n').includes('AIzaTheWrongKey'))
})

t.test('the SDK stream helper closes every tool call: the finish comes in a chunk of its own', async (t) => {
  const lookup: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } }
  const stream = client.chat.completions.stream({
    model: 'gemini:gemini-2.5-flash',
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools: [weather, lookup],
    tool_choice: 'required'
  })
  const done: string[] = []
  stream.on('tool_calls.function.arguments.done', (event) => { done.push(event.name) })
  const final = await stream.finalChatCompletion()
  const calls = final.choices[0]?.message.tool_calls ?? []
  t.ok(calls.length > 0, 'the model called a tool')
  t.same(done, calls.map((call) => call.type === 'function' ? call.function.name : ''), 'arguments.done fired for every call, the last one included')
  t.equal(final.choices[0]?.finish_reason, 'tool_calls')
})
