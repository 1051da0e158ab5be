import t from 'tap'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import { postChat, simulatorEnv, startAllSimulators, startGateway, type TestGateway } from './helpers/gateway.ts'

// Model discovery (issue 25): each provider's own model list, read from simulators that page as the real ones do,
// merged with the catalog, listed to both protocols' clients, and used by routing and pricing.

const simulators = await startAllSimulators(t)
t.beforeEach(() => { for (const simulator of Object.values(simulators)) simulator.reset() })

const ADMIN = 'admin-secret'
const DISCOVERY = { MODEL_REFRESH_MS: '3600000', ADMIN_API_KEY: ADMIN }

interface Listed { id: string, owned_by: string, switchyard: { provider: string, model: string, source: string, contextWindow: number | null, maxOutputTokens: number | null, price: unknown, priceSource: string } }

/** A gateway on every simulator whose first round of discovery is over. */
async function discovering (t: Parameters<typeof startGateway>[0], extra: Record<string, string> = {}): Promise<TestGateway> {
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), DEFAULT_PROVIDER: 'openai', ...DISCOVERY, ...extra })
  await gateway.app.modelDiscovery.settled()
  return gateway
}

async function listed (gateway: TestGateway): Promise<Map<string, Listed>> {
  const body = await (await fetch(`${gateway.url}/v1/models`)).json() as { data: Listed[] }
  return new Map(body.data.map((model) => [model.id, model]))
}

const listCalls = (name: keyof typeof simulators): string[] =>
  simulators[name].requests.filter((request) => request.method === 'GET').map((request) => request.path)

t.test('every provider\'s list is read, page by page, and merged with its catalog', async (t) => {
  const gateway = await discovering(t)
  const models = await listed(gateway)
  // The paged lists were walked to their end, each with its own page parameter.
  t.ok(listCalls('anthropic').length >= 3, `Anthropic: ${listCalls('anthropic').join(' ')}`)
  t.match(listCalls('anthropic').slice(1), [/^\/v1\/models\?limit=1000&after_id=claude-/])
  t.ok(listCalls('gemini').length >= 3 && listCalls('gemini').slice(1).every((path) => /pageToken=/.test(path)), `Gemini: ${listCalls('gemini').join(' ')}`)
  t.ok(listCalls('cohere').length >= 2 && listCalls('cohere').every((path) => path.startsWith('/v1/models?endpoint=chat')), `Cohere (v1 beside chat's v2): ${listCalls('cohere').join(' ')}`)
  for (const name of ['openai', 'groq', 'together', 'mistral'] as const) t.same(listCalls(name), [name === 'groq' ? '/openai/v1/models' : '/v1/models'], `${name}: one page`)

  const expectations: Array<[string, Partial<Listed['switchyard']>]> = [
    ['openai:gpt-4o', { source: 'both', priceSource: 'catalog' }],
    ['openai:chatgpt-4o-latest', { source: 'discovered', price: null, priceSource: 'unknown' }],
    ['openai:gpt-4o-mini-2024-07-18', { source: 'discovered', priceSource: 'catalog' }],
    ['groq:moonshotai/kimi-k2-instruct-0905', { source: 'discovered', contextWindow: 262144, maxOutputTokens: 16384, priceSource: 'unknown' }],
    ['together:Qwen/Qwen3-235B-A22B-Instruct-2507-tput', { source: 'discovered', contextWindow: 262144 }],
    ['mistral:devstral-medium-latest', { source: 'discovered', contextWindow: 131072 }],
    ['anthropic:claude-3-5-haiku-20241022', { source: 'discovered', contextWindow: 200000, maxOutputTokens: 8192 }],
    ['anthropic:claude-sonnet-4-6', { source: 'both' }],
    ['gemini:gemma-3-27b-it', { source: 'discovered', contextWindow: 131072, maxOutputTokens: 8192 }],
    ['gemini:gemini-flash-latest', { source: 'discovered' }],
    ['cohere:command-a-translate-08-2025', { source: 'discovered', contextWindow: 8992 }],
    ['cohere:command-a-03-2025', { source: 'both' }]
  ]
  for (const [id, fields] of expectations) t.match(models.get(id)?.switchyard, fields, id)
  for (const id of ['openai:text-embedding-3-small', 'openai:whisper-1', 'groq:whisper-large-v3', 'groq:gemma2-9b-it', 'together:BAAI/bge-large-en-v1.5', 'mistral:mistral-embed', 'gemini:gemini-embedding-001', 'gemini:imagen-4.0-generate-001', 'cohere:embed-v4.0']) {
    t.notOk(models.has(id), `${id}: not a chat model (or retired), left out`)
  }
  t.equal(gateway.app.modelDiscovery.status('gemini')?.models, 10, 'Gemini: 8 catalog models and 2 more that generate content')
})

t.test('OpenAI and Anthropic clients list the merged catalog in their own shapes, paging as their SDKs do', async (t) => {
  const gateway = await discovering(t)
  const openai = new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1` })
  const openaiIds: string[] = []
  for await (const model of openai.models.list()) openaiIds.push(model.id)
  t.ok(openaiIds.includes('groq:moonshotai/kimi-k2-instruct-0905') && openaiIds.includes('openai:gpt-4o'))
  const anthropic = new Anthropic({ apiKey: 'x', baseURL: gateway.url, maxRetries: 0 })
  const anthropicIds: string[] = []
  for await (const model of anthropic.models.list({ limit: 7 })) anthropicIds.push(model.id)
  t.same(anthropicIds, openaiIds, 'the Anthropic SDK walks every page (after_id) to the same list')
  const page = await (await fetch(`${gateway.url}/v1/models?limit=2`, { headers: { 'anthropic-version': '2023-06-01' } })).json() as Record<string, unknown>
  t.match(page, { data: [{ type: 'model', id: String }, { type: 'model' }], has_more: true, first_id: String, last_id: String })
  const one = await anthropic.models.retrieve('gemini:gemma-3-27b-it')
  t.match(one, { type: 'model', id: 'gemini:gemma-3-27b-it', max_input_tokens: 131072 })
  const byOpenAI = await openai.models.retrieve('anthropic:claude-3-5-haiku-20241022')
  t.match(byOpenAI, { id: 'anthropic:claude-3-5-haiku-20241022', owned_by: 'anthropic', switchyard: { source: 'discovered' } })
  t.match(await openai.models.retrieve('moonshotai/kimi-k2-instruct-0905'), { id: 'groq:moonshotai/kimi-k2-instruct-0905' }, 'unprefixed: as routing would send it')
  const missing = await fetch(`${gateway.url}/v1/models/groq:nope`, { headers: { 'anthropic-version': '2023-06-01' } })
  t.equal(missing.status, 404)
  t.match(await missing.json(), { type: 'error', error: { type: 'not_found_error' } }, 'an Anthropic client gets Anthropic\'s error shape')
})

t.test('routing: a model only a list names goes to its provider; one several list is resolved by rule or refused', async (t) => {
  const gateway = await discovering(t)
  const ask = async (model: string) => {
    const response = await postChat(gateway.url, { model, messages: [{ role: 'user', content: 'hi' }] })
    return { status: response.status, provider: response.headers.get('x-switchyard-provider'), body: await response.json() as Record<string, unknown> }
  }
  t.match(await ask('moonshotai/kimi-k2-instruct-0905'), { status: 200, provider: 'groq' })
  t.match(await ask('devstral-medium-latest'), { status: 200, provider: 'mistral' })
  t.match(await ask('openai/gpt-oss-20b'), { status: 200, provider: 'groq' }, 'Groq\'s catalog owns it; Together only lists it')
  const ambiguous = await ask('openai/gpt-oss-safeguard-20b')
  t.equal(ambiguous.status, 400)
  t.match(ambiguous.body, { error: { code: 'ambiguous_model', param: 'model', message: /listed by several providers \(groq, together\).*'groq:openai\/gpt-oss-safeguard-20b' or 'together:openai\/gpt-oss-safeguard-20b'/ } })
  t.match(await ask('together:openai/gpt-oss-safeguard-20b'), { status: 200, provider: 'together' }, 'the prefix picks one')

  const byDefault = await discovering(t, { DEFAULT_PROVIDER: 'groq' })
  const response = await postChat(byDefault.url, { model: 'openai/gpt-oss-safeguard-20b', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(response.headers.get('x-switchyard-provider'), 'groq', 'the default provider lists it: it goes there')
  await response.text()
})

t.test('a discovered model with no price is served with cost null, and a budgeted key refuses it', async (t) => {
  const gateway = await discovering(t)
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }
  const answer = await postChat(gateway.url, { model: 'moonshotai/kimi-k2-instruct-0905', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(answer.status, 200)
  t.equal(answer.headers.get('x-switchyard-cost-usd'), null, 'no cost header without a price')
  await answer.text()
  const logs = await (await fetch(`${gateway.url}/providers/logs`, { headers: admin })).json() as { logs: Array<Record<string, unknown>> }
  t.match(logs.logs[0], { provider: 'groq', model: 'moonshotai/kimi-k2-instruct-0905', cost: null, costSource: 'unknown', success: true })
  t.equal(gateway.logs.filter((line) => line.includes('no price known') && line.includes('kimi-k2')).length, 1, 'one warning for the model')

  const created = await fetch(`${gateway.url}/providers/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'budgeted', budgetDailyUsd: 5 }) })
  const { key } = await created.json() as { key: string }
  const refused = await postChat(gateway.url, { model: 'moonshotai/kimi-k2-instruct-0905', messages: [{ role: 'user', content: 'hi' }] }, { headers: { authorization: `Bearer ${key}` } })
  t.equal(refused.status, 403)
  t.match(await refused.json(), { error: { code: 'model_not_priced' } })
  const priced = await postChat(gateway.url, { model: 'openai:gpt-4o-mini-2024-07-18', messages: [{ role: 'user', content: 'hi' }] }, { headers: { authorization: `Bearer ${key}` } })
  t.equal(priced.status, 200, 'a discovered model the table prices by pattern is served under the budget')
  await priced.text()
})

t.test('a failed refresh keeps the last good list, is counted, and is logged once; the next good one is taken', async (t) => {
  const gateway = await discovering(t)
  t.equal(gateway.app.modelDiscovery.status('gemini')?.models, 10)
  simulators.gemini.failModelList(503, 2)
  await gateway.app.modelDiscovery.refresh()
  await gateway.app.modelDiscovery.refresh()
  t.match(gateway.app.modelDiscovery.status('gemini'), { models: 10, failures: 2, error: /503|unavailable|Simulated/i })
  t.ok((await listed(gateway)).has('gemini:gemma-3-27b-it'), 'still listed')
  const answer = await postChat(gateway.url, { model: 'gemma-3-27b-it', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(answer.headers.get('x-switchyard-provider'), 'gemini', 'and still routed')
  await answer.text()
  const metrics = await (await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
  t.match(metrics, /switchyard_model_refresh_failures_total\{provider="gemini"\} 2/)
  t.match(metrics, /switchyard_discovered_models\{provider="gemini"\} 10/)
  t.equal(gateway.logs.filter((line) => line.includes('model list could not be read')).length, 1, 'one warning for the episode')
  t.notMatch(gateway.logs.join('\n'), new RegExp(simulators.gemini.apiKey), 'the provider key is in no log line')
  await gateway.app.modelDiscovery.refresh()
  t.match(gateway.app.modelDiscovery.status('gemini'), { models: 10, error: undefined })
  t.equal(gateway.logs.filter((line) => line.includes('read again after failing')).length, 1)
})

t.test('a gateway whose providers cannot list models still starts and serves; MODEL_REFRESH_MS=0 never asks', async (t) => {
  for (const simulator of Object.values(simulators)) simulator.failModelList(500, 100)
  const failing = await discovering(t)
  const answer = await postChat(failing.url, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(answer.status, 200)
  await answer.text()
  t.notOk((await listed(failing)).has('groq:moonshotai/kimi-k2-instruct-0905'), 'only the catalog')
  for (const simulator of Object.values(simulators)) simulator.reset()
  const off = await startGateway(t, { ...simulatorEnv(simulators), MODEL_REFRESH_MS: '0' })
  await off.app.modelDiscovery.settled()
  t.same(Object.values(simulators).flatMap((simulator) => simulator.requests.filter((request) => request.method === 'GET')), [], 'no list was asked for')
})
