import t from 'tap'
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PINNED_MODELS, startAllSimulators, simulatorEnv, startGateway } from './helpers/gateway.ts'
import { MAX_JSON_DEPTH } from '../src/http/json-depth.ts'

// A request the gateway cannot build is the client's 400, never the provider's failure: deep nesting in any
// field, however small the body, must not open a circuit and move everyone's traffic elsewhere.

const all = await startAllSimulators(t)
const gateway = await startGateway(t, { ...simulatorEnv(all), LOG_LEVEL: 'warn' })

const root = pathToFileURL(join(import.meta.dirname, '..')).href
const nestedText = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
const nested = (depth: number): unknown => JSON.parse(nestedText(depth))
/** Stands for 5,000-deep JSON in a body; spliced in as text, since JSON.stringify cannot go that deep. */
const DEEP = '<deep>'

async function post (path: string, body: unknown): Promise<{ status: number, json: Record<string, unknown> }> {
  const response = await gateway.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    payload: JSON.stringify(body).replaceAll(`"${DEEP}"`, nestedText(5000))
  })
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> }
}

t.test('5,000-deep nesting in any client field is a 400 naming it, and no provider circuit moves', async (t) => {
  const deep = DEEP
  const fields: Array<{ name: string, chat: Record<string, unknown>, messages: Record<string, unknown>, param: RegExp }> = [
    {
      name: 'tool parameters',
      chat: { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { x: deep } } } }] },
      messages: { tools: [{ name: 'f', input_schema: { type: 'object', properties: { x: deep } } }] },
      param: /^tools\[0\]\.(function\.parameters|input_schema)\.properties\.x(\.a)+$/
    },
    {
      name: 'response format and metadata',
      chat: { response_format: { type: 'json_schema', json_schema: { name: 'r', schema: deep } } },
      messages: { metadata: deep },
      param: /^(response_format\.json_schema\.schema|metadata)(\.a)+$/
    },
    {
      name: 'an unread field',
      chat: { extra_body: deep },
      messages: { container: deep },
      param: /^(extra_body|container)(\.a)+$/
    }
  ]
  for (const [provider, model] of Object.entries(PINNED_MODELS)) {
    for (const field of fields) {
      for (let round = 0; round < 3; round++) {
        const chat = await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], ...field.chat })
        t.equal(chat.status, 400, `${provider}, ${field.name}: chat`)
        t.match(chat.json, { error: { type: 'invalid_request_error', code: 'too_deeply_nested', param: field.param } })
        const messages = await post('/v1/messages', { model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], ...field.messages })
        t.equal(messages.status, 400, `${provider}, ${field.name}: messages`)
        t.match(messages.json, { type: 'error', error: { type: 'invalid_request_error', message: /deeper than 64 levels/ } })
      }
    }
  }
  const health = JSON.parse((await gateway.app.inject({ method: 'GET', url: '/providers/health' })).body) as { providers: Array<{ provider: string, circuit: string, consecutiveFailures: number }> }
  for (const entry of health.providers) {
    t.equal(entry.circuit, 'closed', `${entry.provider}'s circuit stays closed`)
    t.equal(entry.consecutiveFailures, 0, `${entry.provider} has no failure counted`)
  }
  for (const [name, simulator] of Object.entries(all)) t.equal(simulator.requests.length, 0, `nothing reached ${name}`)
})

t.test(`nesting up to ${MAX_JSON_DEPTH} levels is served`, async (t) => {
  const answer = await post('/v1/chat/completions', {
    model: PINNED_MODELS.groq,
    messages: [{ role: 'user', content: 'hi' }],
    // The body is level 0: its deepest object is then at level 63.
    metadata: nested(MAX_JSON_DEPTH - 1)
  })
  t.equal(answer.status, 200)
  const over = await post('/v1/chat/completions', { model: PINNED_MODELS.groq, messages: [{ role: 'user', content: 'hi' }], metadata: nested(MAX_JSON_DEPTH) })
  t.equal(over.status, 400)
})

t.test('a request its provider\'s translator cannot build is a 400 that leaves the provider\'s health alone', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'switchyard-providers-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  await mkdir(join(folder, 'brittle'))
  // A translator that throws something other than a GatewayError on a request it did not expect.
  await writeFile(join(folder, 'brittle', 'index.ts'), `
import { createProviderPlugin } from '${root}/src/provider/plugin.ts'
import { defineOpenAICompatibleProvider } from '${root}/src/openai-compatible/define-provider.ts'

const base = defineOpenAICompatibleProvider({
  name: 'brittle',
  displayName: 'Brittle',
  defaultBaseUrl: 'https://api.brittle.example/v1',
  auth: { scheme: 'bearer' },
  defaultModel: 'brittle-1',
  catalog: { models: [{ id: 'brittle-1', contextWindow: 8192, capabilities: { tools: true, vision: false, json: true, reasoning: false } }], families: [] },
  pricing: { currency: 'USD', unit: 'per 1M tokens', source: 'test', date: '2026-12-03', prices: {} }
}, { displayName: 'Brittle', forwardedParams: 'all', streamUsage: 'request', strictMessages: false, keepUnknownResponseFields: false })

export default createProviderPlugin({
  ...base,
  toUpstreamRequest: (request, ctx) => {
    if (request.user === 'odd') throw new TypeError('cannot read properties of undefined')
    return base.toUpstreamRequest(request, ctx)
  }
})
`)
  const brittle = await startGateway(t, { PROVIDERS_DIR: folder, BRITTLE_API_KEY: all.openai.apiKey, BRITTLE_BASE_URL: all.openai.url, LOG_LEVEL: 'warn' })
  for (let round = 0; round < 10; round++) {
    const response = await brittle.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
      payload: { model: 'brittle:brittle-1', user: 'odd', messages: [{ role: 'user', content: 'hi' }] }
    })
    t.equal(response.statusCode, 400)
    t.match(JSON.parse(response.body), { error: { code: 'untranslatable_request', message: /could not translate this request for brittle/ } })
  }
  const health = JSON.parse((await brittle.app.inject({ method: 'GET', url: '/providers/health' })).body) as { providers: Array<{ provider: string, circuit: string, consecutiveFailures: number }> }
  t.match(health.providers.find((entry) => entry.provider === 'brittle'), { circuit: 'closed', consecutiveFailures: 0 })
  t.ok(brittle.logs.some((line) => line.includes('a request could not be translated')), 'the translator\'s failure is logged')
})
