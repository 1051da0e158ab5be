import t from 'tap'
import { CohereClientV2, CohereError } from 'cohere-ai'
import { startSimulator } from './simulator.ts'

// The simulator is held to Cohere's own SDK: chat and chatStream must parse what it sends.

const simulator = await startSimulator()
t.teardown(() => simulator.close())
const client = new CohereClientV2({ token: simulator.apiKey, baseUrl: new URL(simulator.url).origin })
const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }

t.test('text and a stream, with usage', async (t) => {
  const reply = await client.chat({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello there' }] })
  t.equal(reply.finishReason, 'COMPLETE')
  const first = reply.message.content?.[0]
  t.match(first?.type === 'text' ? first.text : '', /You said: Hello there/)
  t.ok((reply.usage?.billedUnits?.inputTokens ?? 0) > 0)

  let text = ''
  let finish: string | undefined
  for await (const event of await client.chatStream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Stream this' }] })) {
    if (event.type === 'content-delta') text += event.delta?.message?.content?.text ?? ''
    if (event.type === 'message-end') finish = event.delta?.finishReason
  }
  t.match(text, /You said: Stream this/)
  t.equal(finish, 'COMPLETE')
})

t.test('log probabilities when asked for: each text chunk with its tokens\' ids and log probabilities', async (t) => {
  const reply = await client.chat({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello there' }], logprobs: true })
  const first = reply.message.content?.[0]
  t.equal(reply.logprobs?.map((item) => item.text).join(''), first?.type === 'text' ? first.text : undefined, 'the chunks spell the answer')
  for (const item of reply.logprobs ?? []) t.equal(item.logprobs?.length, item.tokenIds.length, 'one log probability per token')

  let text = ''
  let scored = ''
  for await (const event of await client.chatStream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Stream this' }], logprobs: true })) {
    if (event.type !== 'content-delta') continue
    text += event.delta?.message?.content?.text ?? ''
    scored += event.logprobs?.text ?? ''
  }
  t.equal(scored, text, 'each content delta scores its own text')

  const plain = await client.chat({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello there' }] })
  t.equal(plain.logprobs, undefined, 'nothing unless asked for')
})

t.test('tool calls, streamed and not, and the tool turn', async (t) => {
  const reply = await client.chat({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] })
  t.equal(reply.finishReason, 'TOOL_CALL')
  const call = reply.message.toolCalls?.[0]
  t.match(call, { id: /^get_weather_/, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } })

  let name: string | undefined
  let args = ''
  for await (const event of await client.chatStream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather?' }], tools: [weather] })) {
    if (event.type === 'tool-call-start') name = event.delta?.message?.toolCalls?.function?.name
    if (event.type === 'tool-call-delta') args += event.delta?.message?.toolCalls?.function?.arguments ?? ''
  }
  t.equal(name, 'get_weather')
  t.same(JSON.parse(args), { city: 'Paris' })

  const answer = await client.chat({
    model: 'command-a-03-2025',
    tools: [weather],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', toolCalls: [{ id: call?.id ?? '', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', toolCallId: call?.id ?? '', content: '21 °C' }
    ]
  })
  const text = answer.message.content?.[0]
  t.match(text?.type === 'text' ? text.text : '', /The tool answered: 21 °C/)
})

t.test('errors the SDK recognises', async (t) => {
  const outOfRange = await client.chat({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'x' }], p: 1 }).catch((error: unknown) => error)
  t.ok(outOfRange instanceof CohereError)
  t.match(outOfRange, { statusCode: 400 })
  const wrongKey = await new CohereClientV2({ token: 'wrong', baseUrl: new URL(simulator.url).origin }).chat({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error)
  t.match(wrongKey, { statusCode: 401 })
})
