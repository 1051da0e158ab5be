import t from 'tap'
import OpenAI from 'openai'
import { postChat, simulatorEnv, startGateway, startSimulators, type SimulatedProvider } from './helpers/gateway.ts'
import { streamedLogprobs } from './helpers/logprobs.ts'

const MODELS: Record<SimulatedProvider, string> = {
  openai: 'openai:gpt-4o-mini',
  groq: 'groq:llama-3.3-70b-versatile',
  together: 'together:meta-llama/Llama-3.3-70B-Instruct-Turbo',
  mistral: 'mistral:mistral-small-latest'
}
const DISPLAY: Record<SimulatedProvider, string> = { openai: 'OpenAI', groq: 'Groq', together: 'Together AI', mistral: 'Mistral' }

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }
}

t.test('the openai SDK gets answers, streams with usage and tool calls from every provider', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  const client = new OpenAI({ apiKey: 'client-key-not-forwarded', baseURL: `${gateway.url}/v1`, maxRetries: 0 })

  for (const name of Object.keys(MODELS) as SimulatedProvider[]) {
    await t.test(name, async (t) => {
      const simulator = simulators[name]
      simulator.reset()
      const expected = `Hello from the ${DISPLAY[name]} simulator. You said: Hi`

      const { data: reply, response } = await client.chat.completions
        .create({ model: MODELS[name], messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] })
        .withResponse()
      t.equal(reply.choices[0]?.message.content, expected)
      t.equal(reply.choices[0]?.finish_reason, 'stop')
      t.ok((reply.usage?.prompt_tokens ?? 0) > 0)
      t.equal(response.headers.get('x-switchyard-provider'), name)
      t.equal(response.headers.get('x-switchyard-model'), MODELS[name].slice(name.length + 1))
      t.equal(response.headers.get('x-switchyard-attempts'), `${name}:200`)
      t.match(response.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)
      t.match(response.headers.get('x-switchyard-cost-usd'), /^\d+\.\d{9}$/)

      const sent = simulator.requests[0]
      t.equal(sent?.headers.authorization, `Bearer ${simulator.apiKey}`, 'the provider key is added')
      t.notOk(JSON.stringify(sent?.headers).includes('client-key-not-forwarded'), 'the client credential is not forwarded')
      t.equal((sent?.body as { model: string }).model, MODELS[name].slice(name.length + 1), 'prefix stripped')

      const stream = client.chat.completions.stream({ model: MODELS[name], messages: [{ role: 'user', content: 'Hi' }], stream_options: { include_usage: true } })
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
      stream.on('chunk', (chunk) => chunks.push(chunk))
      const final = await stream.finalChatCompletion()
      t.equal(final.choices[0]?.message.content, expected)
      t.equal(final.choices[0]?.finish_reason, 'stop')
      const usageChunks = chunks.filter((chunk) => chunk.usage != null)
      t.equal(usageChunks.length, 1, 'exactly one usage chunk')
      t.same(usageChunks[0]?.choices, [], 'usage comes on its own chunk')
      t.equal(chunks[chunks.length - 1], usageChunks[0], 'usage is the last chunk')
      t.equal(new Set(chunks.map((chunk) => chunk.id)).size, 1, 'one id across the stream')

      const plain = client.chat.completions.stream({ model: MODELS[name], messages: [{ role: 'user', content: 'Hi' }] })
      const plainChunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
      plain.on('chunk', (chunk) => plainChunks.push(chunk))
      await plain.finalChatCompletion()
      t.ok(plainChunks.every((chunk) => !('usage' in chunk) && chunk.choices.length > 0), 'no usage and no empty chunk when not asked')

      const toolReply = await client.chat.completions.create({ model: MODELS[name], messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool] })
      const call = toolReply.choices[0]?.message.tool_calls?.[0]
      t.equal(toolReply.choices[0]?.finish_reason, 'tool_calls')
      t.equal(toolReply.choices[0]?.message.content, null)
      t.equal(call?.type === 'function' ? call.function.name : '', 'get_weather')
      t.same(call?.type === 'function' ? JSON.parse(call.function.arguments) : {}, { city: 'Paris' })

      const toolStream = client.chat.completions.stream({ model: MODELS[name], messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool] })
      const streamed = await toolStream.finalChatCompletion()
      const streamedCall = streamed.choices[0]?.message.tool_calls?.[0]
      t.equal(streamed.choices[0]?.finish_reason, 'tool_calls')
      t.equal(streamedCall?.type === 'function' ? streamedCall.function.name : '', 'get_weather')
      t.same(streamedCall?.type === 'function' ? JSON.parse(streamedCall.function.arguments) : {}, { city: 'Paris' })

      // The conversation goes on with the tool result, ids as the client received them.
      const followUp = await client.chat.completions.create({
        model: MODELS[name],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: toolReply.choices[0]?.message.tool_calls ?? [] },
          { role: 'tool', tool_call_id: call?.id ?? '', content: 'sunny, 21C' }
        ],
        tools: [weatherTool]
      })
      t.equal(followUp.choices[0]?.message.content, 'The tool answered: sunny, 21C')
    })
  }
})

t.test('a stream keeps what OpenAI sends in it: log probabilities when asked for, and the system fingerprint', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  const client = new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
  const stream = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', stream: true, logprobs: true, messages: [{ role: 'user', content: 'hi there' }] })
  let text = ''
  let tokens = ''
  const fingerprints = new Set<string | undefined>()
  for await (const chunk of stream) {
    fingerprints.add(chunk.system_fingerprint)
    const choice = chunk.choices[0]
    text += choice?.delta.content ?? ''
    for (const entry of choice?.logprobs?.content ?? []) {
      tokens += entry.token
      t.type(entry.logprob, 'number')
    }
  }
  t.ok(text.length > 0)
  t.equal(tokens, text, 'every piece of text came with its log probability')
  t.same([...fingerprints], ['fp_simulator'], 'every chunk names the system fingerprint')

  const plain = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi there' }] })
  for await (const chunk of plain) t.equal(chunk.choices[0]?.logprobs ?? null, null, 'no log probabilities unless asked for')
})

t.test('an answer keeps what OpenAI sends in it: log probabilities when asked for, and every usage count', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  const client = new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
  const reply = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', logprobs: true, messages: [{ role: 'user', content: 'hi there' }] })
  const choice = reply.choices[0]
  const entries = choice?.logprobs?.content ?? []
  t.ok(entries.length > 1, 'one entry per token')
  t.equal(entries.map((entry) => entry.token).join(''), choice?.message.content, 'every piece of the text came with its log probability')
  for (const entry of entries) t.type(entry.logprob, 'number')
  t.same(reply.usage?.prompt_tokens_details, { cached_tokens: 0, audio_tokens: 0 })
  t.same(reply.usage?.completion_tokens_details, { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    'the prediction and audio counts OpenAI sends reach the client')

  const plain = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'hi there' }] })
  t.equal(plain.choices[0]?.logprobs, null, 'no log probabilities unless asked for')
})

t.test('Together\'s log probabilities reach the openai SDK in OpenAI\'s shape, streamed and not', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  const client = new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
  const reply = await client.chat.completions.create({ model: MODELS.together, logprobs: true, messages: [{ role: 'user', content: 'hi there' }] })
  const entries = reply.choices[0]?.logprobs?.content ?? []
  t.ok(entries.length > 1)
  t.equal(entries.map((entry) => entry.token).join(''), reply.choices[0]?.message.content, 'one entry per token, spelling the answer')
  for (const entry of entries) t.match(entry, { logprob: Number, bytes: [...Buffer.from(entry.token)], top_logprobs: [] })
  t.equal((simulators.together.requests.at(-1)?.body as { logprobs: unknown }).logprobs, 1, 'asked in Together\'s form')

  const { text, entries: streamed } = await streamedLogprobs(await client.chat.completions.create({ model: MODELS.together, logprobs: true, top_logprobs: 3, stream: true, messages: [{ role: 'user', content: 'hi there' }] }))
  t.ok(text.length > 0)
  t.equal(streamed.map((entry) => entry.token).join(''), text, 'every piece of the stream came with its log probability')
  for (const entry of streamed) {
    t.equal(entry.top_logprobs.length, 3, 'as many alternatives as asked')
    t.equal(entry.top_logprobs[0]?.token, entry.token, 'most likely first')
  }

  const plain = await client.chat.completions.create({ model: MODELS.together, messages: [{ role: 'user', content: 'hi there' }] })
  t.equal(plain.choices[0]?.logprobs, null, 'null unless asked for')
})

t.test('an OpenAI-client conversation with foreign tool ids reaches Mistral in its own id form', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  const client = new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
  const reply = await client.chat.completions.create({
    model: 'mistral:mistral-small-latest',
    seed: 42,
    messages: [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_Zq8XkP2mR4tLwY7bN1cD5eFg', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_Zq8XkP2mR4tLwY7bN1cD5eFg', content: 'sunny' }
    ]
  })
  t.equal(reply.choices[0]?.message.content, 'The tool answered: sunny')
  const body = simulators.mistral.requests[0]?.body as { random_seed: number, messages: Array<{ tool_calls?: Array<{ id: string }>, tool_call_id?: string }> }
  t.equal(body.random_seed, 42)
  t.match(body.messages[1]?.tool_calls?.[0]?.id, /^[a-zA-Z0-9]{9}$/)
  t.equal(body.messages[2]?.tool_call_id, body.messages[1]?.tool_calls?.[0]?.id)
})

t.test('GET /v1/models lists the enabled providers with prefixed ids', async (t) => {
  const simulators = await startSimulators(t)
  const { openai, groq } = simulators
  const gateway = await startGateway(t, simulatorEnv({ openai, groq }))
  const client = new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1` })
  const models = await client.models.list()
  const ids = models.data.map((model) => model.id)
  t.ok(ids.includes('groq:llama-3.3-70b-versatile'))
  t.ok(ids.includes('openai:gpt-4o'))
  t.notOk(ids.some((id) => id.startsWith('mistral:')), 'providers without a key are not listed')
  const groqModel = models.data.find((model) => model.id === 'groq:llama-3.3-70b-versatile') as unknown as Record<string, unknown>
  t.same((groqModel.switchyard as Record<string, unknown>).price, { input: 0.59, output: 0.79, currency: 'USD', unit: 'per 1M tokens' }, 'Switchyard\'s figures under `switchyard`, where SDKs ignore them')
  t.equal(groqModel.owned_by, 'groq')
  const one = await client.models.retrieve('groq:llama-3.3-70b-versatile')
  t.equal(one.id, 'groq:llama-3.3-70b-versatile')
  const missing = await client.models.retrieve('groq:nope').catch((err: unknown) => err)
  t.ok(missing instanceof OpenAI.NotFoundError)
})

t.test('an unprefixed model goes to the provider that owns it', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  const response = await postChat(gateway.url, { model: 'mistral-small-latest', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(response.status, 200)
  t.equal(response.headers.get('x-switchyard-provider'), 'mistral')
  const fineTune = await postChat(gateway.url, { model: 'ft:gpt-4o-mini:org::abc123', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(fineTune.headers.get('x-switchyard-provider'), 'openai', 'a fine-tune id with colons is a model, not a prefix')
  t.equal((simulators.openai.requests[0]?.body as { model: string }).model, 'ft:gpt-4o-mini:org::abc123')
})
