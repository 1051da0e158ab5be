import t from 'tap'
import { ApiError, GoogleGenAI, Type, type Content, type Tool } from '@google/genai'
import { startSimulator } from './simulator.ts'

// The simulator is held to Google's own SDK: whatever it sends, @google/genai must parse as Gemini's API.

const simulator = await startSimulator()
t.teardown(() => simulator.close())
const client = new GoogleGenAI({ apiKey: simulator.apiKey, httpOptions: { baseUrl: new URL(simulator.url).origin } })
const weather: Tool = { functionDeclarations: [{ name: 'get_weather', parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] } }] }

t.test('text, and a stream the SDK assembles, with usage', async (t) => {
  const reply = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello there', config: { systemInstruction: 'Be brief.' } })
  t.match(reply.text, /You said: Hello there/)
  t.ok((reply.usageMetadata?.promptTokenCount ?? 0) > 0)
  t.equal(simulator.requests.at(-1)?.headers['x-goog-api-key'], simulator.apiKey, 'the key travels in x-goog-api-key')

  let text = ''
  let chunks = 0
  let finish: string | undefined
  for await (const chunk of await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Stream this please' })) {
    chunks++
    text += chunk.text ?? ''
    finish = chunk.candidates?.[0]?.finishReason ?? finish
  }
  t.ok(chunks > 2)
  t.match(text, /You said: Stream this please/)
  t.equal(finish, 'STOP')
  t.match(simulator.requests.at(-1)?.path, /:streamGenerateContent\?alt=sse$/)
})

t.test('log probabilities when asked for: the chosen token of each step, and its top candidates', async (t) => {
  const config = { responseLogprobs: true, logprobs: 2 }
  const reply = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello there', config })
  const result = reply.candidates?.[0]?.logprobsResult
  t.equal(result?.chosenCandidates?.map((candidate) => candidate.token).join(''), reply.text, 'one chosen token per step, spelling the text')
  t.equal(result?.topCandidates?.length, result?.chosenCandidates?.length)
  for (const step of result?.topCandidates ?? []) t.equal(step.candidates?.length, 2, 'as many candidates as asked')
  t.type(reply.candidates?.[0]?.avgLogprobs, 'number')

  let tokens = ''
  let text = ''
  for await (const chunk of await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Stream this please', config: { responseLogprobs: true } })) {
    text += chunk.text ?? ''
    tokens += chunk.candidates?.[0]?.logprobsResult?.chosenCandidates?.map((candidate) => candidate.token).join('') ?? ''
    t.equal(chunk.candidates?.[0]?.logprobsResult?.topCandidates, undefined, 'no candidates unless asked for')
  }
  t.equal(tokens, text, 'each event carries its own tokens')

  const plain = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello there' })
  t.equal(plain.candidates?.[0]?.logprobsResult, undefined, 'nothing unless asked for')
})

t.test('function calls: signed on Gemini 3, and the history must bring the signature back', async (t) => {
  const reply = await client.models.generateContent({ model: 'gemini-3-flash-preview', contents: 'Weather in Paris?', config: { tools: [weather] } })
  const call = reply.functionCalls?.[0]
  t.match(call, { name: 'get_weather', args: { city: 'Paris' } })
  const signedPart = reply.candidates?.[0]?.content?.parts?.[0]
  t.type(signedPart?.thoughtSignature, 'string')

  const history: Content[] = [
    { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
    { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signedPart?.thoughtSignature }] },
    { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 21 } } }] }
  ]
  const followUp = await client.models.generateContent({ model: 'gemini-3-flash-preview', contents: history, config: { tools: [weather] } })
  t.match(followUp.text, /The tool answered: \{"temperature":21\}/)

  const unsigned = history.map((content) => content.role === 'model' ? { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] } : content)
  const refused = await client.models.generateContent({ model: 'gemini-3-flash-preview', contents: unsigned, config: { tools: [weather] } }).catch((error: unknown) => error)
  t.ok(refused instanceof ApiError)
  t.match(refused, { status: 400, message: /missing a thought_signature/ })

  let streamedCall: unknown
  for await (const chunk of await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Weather?', config: { tools: [weather] } })) {
    streamedCall ??= chunk.functionCalls?.[0]
  }
  t.match(streamedCall, { name: 'get_weather', args: { city: 'Paris' } })
})

t.test('errors the SDK recognises: a bad key is 400 INVALID_ARGUMENT, schema keywords are refused', async (t) => {
  const wrongKey = new GoogleGenAI({ apiKey: 'AIzaWrong', httpOptions: { baseUrl: new URL(simulator.url).origin } })
  const badKey = await wrongKey.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((error: unknown) => error)
  t.ok(badKey instanceof ApiError)
  t.match(badKey, { status: 400, message: /API key not valid/ })

  // The SDK itself drops keywords Gemini rejects, so this one goes raw, the way a careless gateway would send it.
  const raw = await fetch(`${simulator.url}/models/gemini-2.5-flash:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': simulator.apiKey },
    body: JSON.stringify({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } }] }]
    })
  })
  t.equal(raw.status, 400)
  t.match(await raw.json(), { error: { code: 400, status: 'INVALID_ARGUMENT', message: /Unknown name "additionalProperties"/ } })

  simulator.fail({ kind: 'status', status: 503 })
  const overloaded = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { httpOptions: { retryOptions: { attempts: 1 } } } }).catch((error: unknown) => error)
  t.match(overloaded, { status: 503 })
})
