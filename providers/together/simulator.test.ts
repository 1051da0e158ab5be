import t from 'tap'
import Together from 'together-ai'
import { startSimulator } from './simulator.ts'

t.test('the official together-ai SDK parses the simulator: text, stream, tool calls, errors', async (t) => {
  const simulator = await startSimulator()
  t.teardown(() => simulator.close())
  const client = new Together({ apiKey: simulator.apiKey, baseURL: simulator.url, maxRetries: 0 })

  const reply = await client.chat.completions.create({ model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', messages: [{ role: 'user', content: 'Hi' }] })
  t.equal(reply.choices[0]?.message?.content, 'Hello from the Together AI simulator. You said: Hi')
  t.equal(reply.choices[0]?.finish_reason, 'eos')

  const stream = await client.chat.completions.create({ model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', messages: [{ role: 'user', content: 'Hi' }], stream: true })
  let text = ''
  let finish: string | null | undefined
  let total = 0
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? ''
    finish = chunk.choices[0]?.finish_reason ?? finish
    total = chunk.usage?.total_tokens ?? total
  }
  t.equal(text, 'Hello from the Together AI simulator. You said: Hi')
  t.equal(finish, 'eos')
  t.ok(total > 0)

  const tools = await client.chat.completions.create({
    model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    messages: [{ role: 'user', content: 'weather?' }],
    tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
  })
  t.equal(tools.choices[0]?.message?.tool_calls?.[0]?.function.name, 'weather')

  const scored = await client.chat.completions.create({ model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', messages: [{ role: 'user', content: 'Hi' }], logprobs: 2 })
  const logprobs = scored.choices[0]?.logprobs
  t.equal(logprobs?.tokens?.join(''), scored.choices[0]?.message?.content, 'one token per piece of the answer')
  t.equal(logprobs?.token_logprobs?.length, logprobs?.tokens?.length)
  t.equal(reply.choices[0]?.logprobs, null, 'none unless asked for')

  let scoredText = ''
  for await (const chunk of await client.chat.completions.create({ model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', messages: [{ role: 'user', content: 'Hi' }], stream: true, logprobs: 2 })) {
    const choice = chunk.choices[0]
    scoredText += choice?.delta?.content ?? ''
    if (choice?.delta?.content) {
      t.type(choice.logprobs, 'number', 'a chunk scores its token')
      t.equal(Object.keys(choice.top_logprobs ?? {}).length, 2, 'with as many alternatives as asked')
    }
  }
  t.equal(scoredText, 'Hello from the Together AI simulator. You said: Hi')

  simulator.fail({ kind: 'status', status: 503 })
  const failure = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((err: unknown) => err)
  t.ok(failure instanceof Together.InternalServerError)
})
