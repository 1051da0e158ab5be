import t, { type Test } from 'tap'
import { postChat, simulatorEnv, startGateway, startSimulators } from './helpers/gateway.ts'

async function post (url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await postChat(url, body, { headers })
  const text = await response.text()
  const json = text.startsWith('{') ? JSON.parse(text) as { error: { message: string, type: string, param: string | null, code: string | null } } : undefined
  return { status: response.status, headers: response.headers, text, json: json ?? { error: { message: '', type: '', param: null, code: null } } }
}

const hello = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] })

function assertOpenAIShape (t: Test, json: unknown): void {
  const error = (json as { error?: Record<string, unknown> }).error
  t.same(Object.keys(error ?? {}).sort(), ['code', 'message', 'param', 'type'], 'OpenAI error shape')
  t.type(error?.message, 'string')
}

t.test('bad input gets a clear 400/401/413 in the OpenAI error shape', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), GATEWAY_API_KEYS: 'key-one, key-two', BODY_LIMIT_BYTES: '4096' })
  const auth = { authorization: 'Bearer key-two' }

  const unauthenticated = await post(gateway.url, hello('groq:llama-3.3-70b-versatile'))
  t.equal(unauthenticated.status, 401)
  assertOpenAIShape(t, unauthenticated.json)
  t.equal(unauthenticated.json.error.code, 'invalid_api_key')
  t.equal((await post(gateway.url, hello('groq:llama-3.3-70b-versatile'), { authorization: 'Bearer key-three' })).status, 401)
  t.equal((await post(gateway.url, hello('groq:llama-3.3-70b-versatile'), { 'x-api-key': 'key-two' })).status, 401, 'x-api-key is for /v1/messages only')
  t.equal((await post(gateway.url, hello('groq:llama-3.3-70b-versatile'), auth)).status, 200)

  const missing = await post(gateway.url, { model: 'groq:llama-3.3-70b-versatile' }, auth)
  t.equal(missing.status, 400)
  t.equal(missing.json.error.param, 'messages')
  t.equal(missing.json.error.type, 'invalid_request_error')
  assertOpenAIShape(t, missing.json)

  const badRole = await post(gateway.url, { model: 'groq:llama-3.3-70b-versatile', messages: [{ role: 'robot', content: 'x' }] }, auth)
  t.equal(badRole.status, 400)
  t.equal(badRole.json.error.param, 'messages[0].role')

  const badType = await post(gateway.url, { ...hello('groq:llama-3.3-70b-versatile'), temperature: '0.5' }, auth)
  t.equal(badType.status, 400, 'no silent type coercion')
  t.equal(badType.json.error.param, 'temperature')

  const malformed = await post(gateway.url, '{"model": "groq:x", "messages": [', auth)
  t.equal(malformed.status, 400)
  assertOpenAIShape(t, malformed.json)

  const huge = await post(gateway.url, { model: 'groq:llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }, auth)
  t.equal(huge.status, 413)
  assertOpenAIShape(t, huge.json)

  const unknownPrefix = await post(gateway.url, hello('nosuch:model-x'), auth)
  t.equal(unknownPrefix.status, 400)
  t.match(unknownPrefix.json.error.message, /Unknown provider prefix 'nosuch'/)
  t.match(unknownPrefix.json.error.message, /groq/, 'names the enabled providers')

  const groqOnly = await startGateway(t, simulatorEnv({ groq: simulators.groq }))
  const disabled = await post(groqOnly.url, hello('mistral:mistral-small-latest'))
  t.equal(disabled.status, 400)
  t.match(disabled.json.error.message, /Provider 'mistral' is not enabled/)

  const notFound = await fetch(`${gateway.url}/v1/nothing`, { headers: auth })
  t.equal(notFound.status, 404)
  assertOpenAIShape(t, await notFound.json())
})

t.test("a provider's 4xx/5xx/429 reaches the client with its status, message and retry-after", async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))

  simulators.groq.fail({ kind: 'status', status: 429, retryAfter: '17' })
  const limited = await post(gateway.url, hello('groq:llama-3.3-70b-versatile'))
  t.equal(limited.status, 429)
  t.equal(limited.headers.get('retry-after'), '17')
  t.equal(limited.json.error.type, 'rate_limit_error')
  t.match(limited.json.error.message, /^Groq error \(429\): Simulated failure 429/)
  t.equal(limited.headers.get('x-switchyard-attempts'), 'groq:429')

  simulators.mistral.fail({ kind: 'status', status: 503 })
  const unavailable = await post(gateway.url, hello('mistral:mistral-small-latest'))
  t.equal(unavailable.status, 503)
  t.match(unavailable.json.error.message, /^Mistral error \(503\)/)

  simulators.openai.fail({ kind: 'status', status: 500 })
  t.equal((await post(gateway.url, hello('openai:gpt-4o-mini'))).status, 500)

  simulators.together.fail({ kind: 'status', status: 401, body: { error: { message: 'Invalid API key provided: simulated-t****0000', type: 'invalid_request_error', code: 'invalid_api_key' } } })
  const rejectedKey = await post(gateway.url, hello('together:meta-llama/Llama-3.3-70B-Instruct-Turbo'))
  t.equal(rejectedKey.status, 401)
  t.match(rejectedKey.json.error.message, /^Together AI error \(401\)/)

  const strict = await post(gateway.url, { ...hello('mistral:mistral-small-latest'), stream_options: { include_usage: true }, user: 'u', logprobs: true })
  t.equal(strict.status, 200, 'fields Mistral would reject are never sent to it')

  simulators.groq.fail({ kind: 'malformed' })
  const garbage = await post(gateway.url, hello('groq:llama-3.3-70b-versatile'))
  t.equal(garbage.status, 502)
  t.match(garbage.json.error.message, /not JSON/)

  t.equal((await post(gateway.url, hello('groq:llama-3.3-70b-versatile'))).status, 200, 'the next request is served normally')
})

t.test("a provider's error body past its 64 KB cap is cut there, and the client still gets the provider's status", async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  const huge = { error: { message: 'x'.repeat(300_000), type: 'invalid_request_error', code: null } }

  for (const stream of [false, true]) {
    t.equal((await post(gateway.url, { ...hello('openai:gpt-4o-mini'), stream })).status, 200)
    const connections = simulators.openai.connections
    simulators.openai.fail({ kind: 'status', status: 400, body: huge })
    const rejected = await post(gateway.url, { ...hello('openai:gpt-4o-mini'), stream })
    t.equal(rejected.status, 400, `stream: ${stream}`)
    assertOpenAIShape(t, rejected.json)
    t.match(rejected.json.error.message, /^OpenAI error \(400\)/)
    t.ok(rejected.text.length < 70_000, `the error the client gets is bounded (${rejected.text.length} characters)`)
    t.equal((await post(gateway.url, { ...hello('openai:gpt-4o-mini'), stream })).status, 200, 'the next request is served normally')
    // The rest of the body was not read: its connection was closed, and the next request needed a new one.
    t.equal(simulators.openai.connections, connections + 1, 'the capped answer\'s connection was not reused')
  }
})

t.test('no provider key or client credential appears in a response or a log line', async (t) => {
  const simulators = await startSimulators(t)
  const clientKey = 'client-secret-key-123456'
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), GATEWAY_API_KEYS: clientKey, LOG_LEVEL: 'trace' })
  const headers = { authorization: `Bearer ${clientKey}` }
  const bodies: string[] = []

  // The provider echoes its key back in the error text, as OpenAI does ("Incorrect API key provided: sk-...").
  simulators.openai.fail({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${simulators.openai.apiKey}`, type: 'invalid_request_error', code: 'invalid_api_key' } } })
  const echoed = await post(gateway.url, hello('openai:gpt-4o-mini'), headers)
  t.equal(echoed.status, 401)
  t.match(echoed.json.error.message, /Incorrect API key provided: \[redacted\]/)
  bodies.push(echoed.text)
  simulators.groq.fail({ kind: 'status', status: 500 })
  bodies.push((await post(gateway.url, hello('groq:llama-3.3-70b-versatile'), headers)).text)
  bodies.push((await post(gateway.url, { ...hello('mistral:mistral-small-latest'), stream: true }, headers)).text)
  bodies.push((await post(gateway.url, hello('together:meta-llama/Llama-3.3-70B-Instruct-Turbo'), { authorization: 'Bearer wrong-key-abcdefgh' })).text)

  const secrets = [clientKey, ...Object.values(simulators).map((simulator) => simulator.apiKey)]
  t.ok(gateway.logs.length > 5, 'the gateway logged')
  for (const secret of secrets) {
    t.notOk(bodies.some((body) => body.includes(secret)), `${secret.slice(0, 6)}… not in any response`)
    t.notOk(gateway.logs.some((line) => line.includes(secret)), `${secret.slice(0, 6)}… not in any log line`)
  }
  t.notOk(gateway.logs.some((line) => line.includes('wrong-key-abcdefgh')), 'a rejected client key is not logged either')
})

t.test('headers: x-request-id on every answer; provider and model once one answered; attempts once one was tried', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), GATEWAY_API_KEYS: 'key-one', BODY_LIMIT_BYTES: '4096' })
  const auth = { authorization: 'Bearer key-one' }
  const switchyardHeaders = (headers: Headers): string[] => [...headers.keys()].filter((name) => name.startsWith('x-switchyard-')).sort()

  const refused = [
    await post(gateway.url, { model: 'groq:llama-3.3-70b-versatile' }, auth),
    await post(gateway.url, hello('groq:llama-3.3-70b-versatile'), { authorization: 'Bearer nope' }),
    await post(gateway.url, { ...hello('groq:llama-3.3-70b-versatile'), pad: 'x'.repeat(5000) }, auth)
  ]
  t.same(refused.map((answer) => answer.status), [400, 401, 413])
  for (const answer of refused) {
    t.ok(answer.headers.get('x-request-id'), `${answer.status}: x-request-id`)
    t.same(switchyardHeaders(answer.headers), [], `${answer.status}: no x-switchyard- header, no provider was involved`)
  }
  simulators.groq.fail({ kind: 'status', status: 500 })
  const failed = await post(gateway.url, hello('groq:llama-3.3-70b-versatile'), auth)
  t.equal(failed.status, 500)
  t.same(switchyardHeaders(failed.headers), ['x-switchyard-attempts'])
  t.equal(failed.headers.get('x-switchyard-attempts'), 'groq:500')
  const served = await post(gateway.url, hello('groq:llama-3.3-70b-versatile'), auth)
  t.same(switchyardHeaders(served.headers), ['x-switchyard-attempts', 'x-switchyard-cost-usd', 'x-switchyard-model', 'x-switchyard-provider'])
})
