import t from 'tap'
import Anthropic from '@anthropic-ai/sdk'
import { startSimulator as startAnthropic } from '../providers/anthropic/simulator.ts'
import { startSimulator as startGemini } from '../providers/gemini/simulator.ts'
import { startSimulator as startCohere } from '../providers/cohere/simulator.ts'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { simulatorEnv, startGateway } from './helpers/gateway.ts'

// /v1/messages for Anthropic clients: passed through to Anthropic, translated for every other provider.

const anthropic = await startAnthropic()
const gemini = await startGemini()
const cohere = await startCohere()
const groq = await startGroq()
t.teardown(() => Promise.all([anthropic.close(), gemini.close(), cohere.close(), groq.close()]))
const gateway = await startGateway(t, { ...simulatorEnv({ anthropic, gemini, cohere, groq }), GATEWAY_API_KEYS: 'client-key' })
const client = new Anthropic({ apiKey: 'client-key', baseURL: gateway.url, maxRetries: 0 })
const weather: Anthropic.Tool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }
t.beforeEach(() => { for (const simulator of [anthropic, gemini, cohere, groq]) simulator.reset() })

const eventNames = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('event: ')).map((line) => line.slice(7))

t.test('to Anthropic the request passes through: unknown fields intact, version and beta forwarded, the key swapped', async (t) => {
  const body = {
    model: 'anthropic:claude-sonnet-4-6',
    max_tokens: 2000,
    system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
    thinking: { type: 'enabled', budget_tokens: 1024 },
    metadata: { user_id: 'user-1' },
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
    container: 'container_1'
  }
  const response = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'interleaved-thinking-2025-05-14' },
    body: JSON.stringify(body)
  })
  t.equal(response.status, 200)
  t.match(await response.json(), { type: 'message', content: [{ type: 'text', text: /You said: Hello/ }] })
  const sent = anthropic.requests.at(-1)
  t.same(sent?.body, { ...body, model: 'claude-sonnet-4-6' }, 'only the model rewritten')
  t.equal(sent?.headers['anthropic-beta'], 'interleaved-thinking-2025-05-14')
  t.equal(sent?.headers['anthropic-version'], '2023-06-01')
  t.equal(sent?.headers['x-api-key'], anthropic.apiKey, 'the provider key, not the client\'s')
  t.notOk(JSON.stringify(sent?.headers).includes('client-key'))

  const streamed = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer client-key', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ ...body, stream: true }) })
  const relayed = await streamed.text()
  const direct = await (await fetch(`${anthropic.url}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': anthropic.apiKey, 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ ...body, model: 'claude-sonnet-4-6', stream: true }) })).text()
  t.same(eventNames(relayed), eventNames(direct), 'the same events in the same order')
  t.equal(relayed.replace(/msg_\w+/g, 'msg_'), direct.replace(/msg_\w+/g, 'msg_'), 'byte for byte, apart from the message id')
})

for (const model of ['anthropic:claude-sonnet-4-6', 'gemini:gemini-2.5-flash', 'groq:llama-3.3-70b-versatile', 'cohere:command-a-03-2025']) {
  t.test(`the Anthropic SDK gets text, usage and tool_use, streamed and not, from ${model}`, async (t) => {
    const message = await client.messages.create({ model, max_tokens: 200, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] })
    t.match(message, { type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: /You said: Hello there/ }] })
    t.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0, 'usage')

    const stream = client.messages.stream({ model, max_tokens: 200, messages: [{ role: 'user', content: 'Stream this' }] })
    let text = ''
    stream.on('text', (delta) => { text += delta })
    const final = await stream.finalMessage()
    t.match(text, /You said: Stream this/)
    t.equal(final.stop_reason, 'end_turn')
    t.ok(final.usage.output_tokens > 0 && final.usage.input_tokens > 0, 'streamed usage')

    const called = await client.messages.create({ model, max_tokens: 200, tools: [weather], messages: [{ role: 'user', content: 'Weather in Paris?' }] })
    t.equal(called.stop_reason, 'tool_use')
    const use = called.content.find((block) => block.type === 'tool_use')
    t.match(use, { type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } })
    const streamedCall = await client.messages.stream({ model, max_tokens: 200, tools: [weather], messages: [{ role: 'user', content: 'Weather in Paris?' }] }).finalMessage()
    t.match(streamedCall.content.find((block) => block.type === 'tool_use'), { name: 'get_weather', input: { city: 'Paris' } })
    t.equal(streamedCall.stop_reason, 'tool_use')

    if (use?.type !== 'tool_use') return
    const answer = await client.messages.create({
      model,
      max_tokens: 200,
      tools: [weather],
      tool_choice: { type: 'none' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }, { role: 'assistant', content: [use] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21 °C' }] }]
    })
    t.match(answer.content, [{ type: 'text', text: /21 °C/ }], 'the tool result came back')
  })
}

t.test('a Claude-Code-style request (cache_control system blocks, many tools, tool results, beta header) against two providers', async (t) => {
  const tools: Anthropic.Tool[] = ['Read', 'Write', 'Edit', 'Bash', 'Grep', 'Glob', 'WebFetch', 'TodoWrite'].map((name) => ({
    name, description: `The ${name} tool`, input_schema: { type: 'object', properties: { path: { type: 'string', description: 'where' }, pattern: { type: 'string' } }, required: ['path'], additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#' }
  }))
  const messages: Anthropic.MessageParam[] = [
    { role: 'user', content: [{ type: 'text', text: '<system-reminder>Context</system-reminder>' }, { type: 'text', text: 'Read the README', cache_control: { type: 'ephemeral' } }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Reading it.' }, { type: 'tool_use', id: 'toolu_01Read', name: 'Read', input: { path: 'README.md' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01Read', content: [{ type: 'text', text: '# Switchyard' }] }, { type: 'text', text: 'Summarise it.' }] }
  ]
  for (const model of ['anthropic:claude-sonnet-4-6', 'gemini:gemini-2.5-flash']) {
    const message = await client.messages.create({
      model,
      max_tokens: 4096,
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Be careful.' }],
      tools,
      tool_choice: { type: 'none' },
      messages
    }, { headers: { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' } })
    t.match(message.content, [{ type: 'text', text: /Summarise it\./ }], model)
  }
  const geminiBody = gemini.requests.at(-1)?.body as { contents: unknown[], systemInstruction: unknown, tools: Array<{ functionDeclarations: unknown[] }> }
  t.same(geminiBody.systemInstruction, { parts: [{ text: 'You are Claude Code.\nBe careful.' }] })
  t.equal(geminiBody.tools[0]?.functionDeclarations.length, 8)
  t.notOk(JSON.stringify(geminiBody.tools).includes('additionalProperties'), 'schema keywords Gemini refuses are removed')
  t.same(geminiBody.contents.slice(1), [
    { role: 'model', parts: [{ text: 'Reading it.' }, { functionCall: { name: 'Read', args: { path: 'README.md' } } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'Read', response: { content: '# Switchyard' } } }] },
    { role: 'user', parts: [{ text: 'Summarise it.' }] }
  ])
  t.same((anthropic.requests.at(-1)?.body as { messages: unknown }).messages, messages, 'Anthropic got the conversation untouched')
})

t.test('fallback, metrics and errors work as on /v1/chat/completions, in Anthropic\'s shape', async (t) => {
  anthropic.fail({ kind: 'status', status: 529 })
  const { data, response } = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).withResponse()
  t.equal(response.headers.get('x-switchyard-attempts')?.split(',')[0], 'anthropic:529')
  t.match(data, { type: 'message', content: [{ type: 'text', text: /simulator/ }] }, 'another provider answered, in Anthropic\'s shape')

  const logs = await (await fetch(`${gateway.url}/providers/logs?limit=1`, { headers: { authorization: 'Bearer client-key' } })).json() as { logs: Array<{ endpoint: string, attempts: unknown[] }> }
  t.match(logs.logs[0], { endpoint: '/v1/messages', attempts: [{ provider: 'anthropic', status: 529 }, { status: 200 }] })

  const unauthenticated = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'wrong' }, body: '{}' })
  t.equal(unauthenticated.status, 401)
  t.same(await unauthenticated.json(), { type: 'error', error: { type: 'authentication_error', message: 'Missing or invalid gateway API key. Send it as `x-api-key: <key>` or `Authorization: Bearer <key>`.' } })

  const garbled = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'client-key' }, body: '{"model": ' })
  t.equal(garbled.status, 400)
  t.match(await garbled.json(), { type: 'error', error: { type: 'invalid_request_error', message: /could not parse the JSON body/ } })

  const invalid = await client.messages.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'x' }] } as never).catch((error: unknown) => error)
  t.ok(invalid instanceof Anthropic.BadRequestError)
  t.match(invalid, { error: { type: 'error', error: { type: 'invalid_request_error', message: /max_tokens/ } } })

  const unknown = await client.messages.create({ model: 'nosuch:model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error)
  t.match(unknown, { status: 400, error: { error: { type: 'invalid_request_error', message: /Unknown provider prefix 'nosuch'/ } } })
})

t.test('count_tokens: Anthropic counts; other providers get an estimate that says so', async (t) => {
  const counted = await client.messages.countTokens({ model: 'anthropic:claude-sonnet-4-6', messages: [{ role: 'user', content: 'How many tokens is this sentence?' }] })
  t.ok(counted.input_tokens > 0)
  t.equal(anthropic.requests.at(-1)?.path, '/v1/messages/count_tokens')
  const response = await fetch(`${gateway.url}/v1/messages/count_tokens`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'client-key' }, body: JSON.stringify({ model: 'gemini:gemini-2.5-flash', messages: [{ role: 'user', content: 'x'.repeat(40) }] }) })
  t.equal(response.headers.get('x-switchyard-token-count'), 'estimated')
  t.same(await response.json(), { input_tokens: 10 })
})

t.test('top_k reaches the providers that take it, in their own field', async (t) => {
  const sent = async (model: string, topK: number): Promise<Record<string, unknown>> => {
    // Sent as JSON: this version of the SDK's types has no top_k, though the API takes it.
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model, max_tokens: 50, top_k: topK, messages: [{ role: 'user', content: 'Hello' }] })
    })
    t.match(await response.json(), { type: 'message' })
    const simulator = model.startsWith('gemini') ? gemini : cohere
    return simulator.requests.at(-1)?.body as Record<string, unknown>
  }
  t.match(await sent('gemini:gemini-2.5-flash', 40), { generationConfig: { topK: 40 } })
  t.match(await sent('cohere:command-a-03-2025', 40), { k: 40 })
  t.match(await sent('cohere:command-a-03-2025', 900), { k: 500 }, 'clamped to Cohere\'s range')
})

t.test('images inside a tool_result are forwarded where the provider can take them, else a 400 naming the block', async (t) => {
  const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=='
  const body = (model: string, content: unknown[]): string => JSON.stringify({
    model,
    max_tokens: 50,
    tools: [{ name: 'screenshot', input_schema: { type: 'object', properties: {} } }],
    messages: [
      { role: 'user', content: 'Take a screenshot' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'screenshot', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content }] }
    ]
  })
  const send = async (model: string, content: unknown[]): Promise<{ status: number, json: Record<string, unknown> }> => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01' },
      body: body(model, content)
    })
    return { status: response.status, json: await response.json() as Record<string, unknown> }
  }
  const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } }

  const withText = await send('gemini:gemini-2.5-flash', [{ type: 'text', text: 'Here it is' }, image])
  t.equal(withText.status, 200)
  const turn = (gemini.requests.at(-1)?.body as { contents: Array<{ role: string, parts: Array<Record<string, unknown>> }> }).contents.at(-1)
  t.same(turn?.parts, [
    { functionResponse: { name: 'screenshot', response: { content: 'Here it is' } } },
    { inlineData: { mimeType: 'image/png', data: pixel } }
  ], 'Gemini gets the image as an inline data part beside the function response')

  const imageOnly = await send('gemini:gemini-2.5-flash', [image])
  t.equal(imageOnly.status, 200)
  const parts = (gemini.requests.at(-1)?.body as { contents: Array<{ parts: unknown[] }> }).contents.at(-1)?.parts
  t.equal(parts?.length, 2, 'an image-only result still carries its image')

  const cohereAnswer = await send('cohere:command-a-03-2025', [image])
  t.equal(cohereAnswer.status, 400, 'Cohere cannot take images in a tool result: refused, not dropped')
  t.match(cohereAnswer.json, { type: 'error', error: { type: 'invalid_request_error', message: /image_url/ } })

  const unknownBlock = await send('gemini:gemini-2.5-flash', [{ type: 'document', source: { type: 'text', data: 'x' } }])
  t.equal(unknownBlock.status, 400)
  t.match(unknownBlock.json, { error: { message: /'document'/ } })
})
