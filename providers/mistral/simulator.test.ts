import t from 'tap'
import { Mistral } from '@mistralai/mistralai'
import { startSimulator } from './simulator.ts'

t.test('the official Mistral SDK parses the simulator: text, stream, tool calls, strict validation', async (t) => {
  const simulator = await startSimulator()
  t.teardown(() => simulator.close())
  const client = new Mistral({ apiKey: simulator.apiKey, serverURL: new URL(simulator.url).origin })

  const reply = await client.chat.complete({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] })
  t.equal(reply.choices?.[0]?.message?.content, 'Hello from the Mistral simulator. You said: Hi')
  t.equal(reply.usage.totalTokens, (reply.usage.promptTokens ?? 0) + (reply.usage.completionTokens ?? 0))

  const stream = await client.chat.stream({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] })
  let text = ''
  let usage = 0
  for await (const event of stream) {
    const content = event.data.choices[0]?.delta.content
    if (typeof content === 'string') text += content
    usage = event.data.usage?.totalTokens ?? usage
  }
  t.equal(text, 'Hello from the Mistral simulator. You said: Hi')
  t.ok(usage > 0)

  const toolStream = await client.chat.stream({
    model: 'mistral-small-latest',
    messages: [{ role: 'user', content: 'weather?' }],
    tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
  })
  const calls = []
  for await (const event of toolStream) calls.push(...(event.data.choices[0]?.delta.toolCalls ?? []))
  t.equal(calls.length, 1)
  t.match(calls[0]?.id, /^[a-zA-Z0-9]{9}$/)
  t.equal(calls[0]?.function.name, 'weather')

  const badId = await client.chat.complete({
    model: 'mistral-small-latest',
    messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_abc123', type: 'function', function: { name: 'w', arguments: '{}' } }] },
      { role: 'tool', toolCallId: 'call_abc123', content: 'r' }
    ]
  }).catch((err: unknown) => err)
  t.match((badId as Error).message, /must be a-z, A-Z, 0-9, with a length of 9/, 'foreign tool ids are refused as the real API does')
})
