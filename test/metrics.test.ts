import t from 'tap'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { pricing as openaiPricing } from '../providers/openai/pricing.ts'
import { pricing as groqPricing } from '../providers/groq/pricing.ts'
import type { Price } from '../src/provider/contract.ts'
import { postChat, simulatorEnv, startGateway, startSimulators, type TestGateway } from './helpers/gateway.ts'

// Contract §6 and §7 through HTTP: what the metrics plugin counts, prices and logs, and who may read it.

const simulators = await startSimulators(t)
t.beforeEach(() => { for (const simulator of Object.values(simulators)) simulator.reset() })

const ADMIN = { authorization: 'Bearer admin-secret' }
const seen: string[] = []

interface Usage { prompt_tokens: number, completion_tokens: number, prompt_tokens_details?: { cached_tokens?: number } }

// The admin API's JSON is checked field by field with t.match, which is the type check that matters here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = any

async function admin (gateway: TestGateway, path: string, init: RequestInit = {}): Promise<{ status: number, json: AnyJson, text: string }> {
  const response = await fetch(`${gateway.url}${path}`, { ...init, headers: { ...ADMIN, ...init.headers } })
  const text = await response.text()
  seen.push(text, JSON.stringify([...response.headers]))
  return { status: response.status, text, json: text.startsWith('{') ? JSON.parse(text) : undefined }
}

/** Sends a chat request and returns the usage the client saw (from the body, or the stream's usage chunk). */
async function chat (gateway: TestGateway, model: string, options: { stream?: boolean, content?: string } = {}): Promise<{ status: number, usage?: Usage, text: string }> {
  const body = {
    model,
    messages: [{ role: 'user', content: options.content ?? 'x'.repeat(40) }],
    ...(options.stream === true ? { stream: true, stream_options: { include_usage: true } } : {})
  }
  const response = await postChat(gateway.url, body)
  const text = await response.text()
  seen.push(text, JSON.stringify([...response.headers]))
  if (options.stream !== true) return { status: response.status, text, ...(response.ok ? { usage: JSON.parse(text).usage } : {}) }
  const usageLine = text.split('\n').find((line) => line.includes('"choices":[]'))
  return { status: response.status, text, ...(usageLine === undefined ? {} : { usage: JSON.parse(usageLine.slice(6)).usage }) }
}

function costOf (usage: Usage, price: Price): number {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0
  return ((usage.prompt_tokens - cached) * price.input + cached * (price.cachedInput ?? price.input) + usage.completion_tokens * price.output) / 1e6
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0)

t.test('counts, tokens, error rate, cost, logs and costs after a known mix on two providers; reset zeroes them', async (t) => {
  const gateway = await startGateway(t, {
    ...simulatorEnv({ openai: simulators.openai, groq: simulators.groq }),
    DEFAULT_PROVIDER: 'openai',
    ADMIN_API_KEY: 'admin-secret'
  })
  simulators.openai.script = { cachedPromptTokens: 4 }

  const openaiUsage: Usage[] = []
  const groqUsage: Usage[] = []
  const one = await chat(gateway, 'openai:gpt-4o-mini')
  const two = await chat(gateway, 'openai:gpt-4o-mini', { stream: true })
  const three = await chat(gateway, 'groq:llama-3.3-70b-versatile')
  const four = await chat(gateway, 'groq:llama-3.3-70b-versatile', { stream: true })
  simulators.groq.fail({ kind: 'status', status: 500 })
  const five = await chat(gateway, 'groq:llama-3.3-70b-versatile')
  simulators.openai.fail({ kind: 'status', status: 503 })
  const six = await chat(gateway, 'gpt-4o-mini')
  t.same([one, two, three, four, five, six].map((reply) => reply.status), [200, 200, 200, 200, 500, 200])
  for (const reply of [one, two]) if (reply.usage !== undefined) openaiUsage.push(reply.usage)
  for (const reply of [three, four, six]) if (reply.usage !== undefined) groqUsage.push(reply.usage)
  t.equal(openaiUsage.length + groqUsage.length, 5, 'the client saw usage on every success')
  t.equal(one.usage?.prompt_tokens_details?.cached_tokens, 4)

  const metrics = (await admin(gateway, '/providers/metrics')).json.providers as Array<Record<string, number | string | null>>
  const openai = metrics.find((entry) => entry.provider === 'openai')
  const groq = metrics.find((entry) => entry.provider === 'groq')
  t.match(openai, { requestCount: 3, successCount: 2, errorCount: 1 })
  t.match(groq, { requestCount: 4, successCount: 3, errorCount: 1, errorRate: 25 })
  t.ok(Math.abs(Number(openai?.errorRate) - 100 / 3) < 1e-9, 'errorRate is a percent')
  t.equal(openai?.totalTokensIn, sum(openaiUsage.map((usage) => usage.prompt_tokens)))
  t.equal(openai?.totalTokensOut, sum(openaiUsage.map((usage) => usage.completion_tokens)))
  t.equal(openai?.totalCachedTokensIn, 8)
  t.equal(groq?.totalTokensIn, sum(groqUsage.map((usage) => usage.prompt_tokens)))
  t.equal(groq?.totalTokensOut, sum(groqUsage.map((usage) => usage.completion_tokens)))
  const openaiPrice = openaiPricing.prices['gpt-4o-mini'] as Price
  const groqPrice = groqPricing.prices['llama-3.3-70b-versatile'] as Price
  t.same(groqPrice, { input: 0.59, output: 0.79 }, 'Groq llama-3.3-70b-versatile at the wire notes\' $0.59 / $0.79')
  const openaiCost = sum(openaiUsage.map((usage) => costOf(usage, openaiPrice)))
  t.ok(Math.abs(Number(openai?.totalCost) - openaiCost) < 1e-9, `openai cost ${String(openai?.totalCost)} = ${openaiCost}, cached tokens at the cached price`)
  t.ok(Math.abs(Number(groq?.totalCost) - sum(groqUsage.map((usage) => costOf(usage, groqPrice)))) < 1e-9)
  for (const entry of [openai, groq]) {
    t.type(entry?.avgLatencyMs, 'number')
    t.ok(Number(entry?.p50LatencyMs) <= Number(entry?.p99LatencyMs))
    t.type(entry?.avgTimeToFirstTokenMs, 'number', 'streams record time to first token')
    t.ok(Number.isFinite(Date.parse(String(entry?.lastUsed))), 'lastUsed is ISO-8601')
  }
  t.same((await admin(gateway, '/providers/metrics/groq')).json, groq)
  const unknown = await admin(gateway, '/providers/metrics/nosuch')
  t.equal(unknown.status, 404)
  t.match(unknown.json, { error: { message: /'nosuch'/, code: 'provider_not_found' } })

  const logs = (await admin(gateway, '/providers/logs')).json.logs as Array<Record<string, unknown>>
  t.equal(logs.length, 6)
  t.same(Object.keys(logs[0] ?? {}).sort(), ['attempts', 'cachedTokensIn', 'cost', 'costSource', 'endpoint', 'id', 'latencyMs', 'model', 'provider',
    'statusCode', 'stream', 'success', 'timeToFirstTokenMs', 'timestamp', 'tokensIn', 'tokensOut', 'usageSource'].sort())
  t.match(logs[0], {
    provider: 'groq',
    model: 'llama-3.3-70b-versatile',
    endpoint: '/v1/chat/completions',
    stream: false,
    success: true,
    statusCode: 200,
    costSource: 'catalog',
    usageSource: 'provider',
    timeToFirstTokenMs: null,
    attempts: [{ provider: 'openai', status: 503 }, { provider: 'groq', status: 200 }]
  }, 'newest first: the fallback')
  t.match(logs[1], { provider: 'groq', success: false, statusCode: 500, errorMessage: /Groq error \(500\)/, tokensIn: 0, cost: 0 })
  t.match(logs[4], { provider: 'openai', stream: true, cachedTokensIn: 4 })
  t.type(logs[4]?.timeToFirstTokenMs, 'number')
  const timestamps = logs.map((entry) => Date.parse(String(entry.timestamp)))
  t.same(timestamps, [...timestamps].sort((a, b) => b - a), 'timestamps descend')
  t.equal((await admin(gateway, '/providers/logs?limit=2')).json.logs.length, 2)
  t.equal((await admin(gateway, '/providers/logs?provider=groq')).json.logs.length, 4)
  t.same((await admin(gateway, '/providers/logs?success=false')).json.logs.map((entry: { statusCode: number }) => entry.statusCode), [500])
  t.equal((await admin(gateway, '/providers/logs/openai?success=true')).json.logs.length, 2)
  t.equal((await admin(gateway, '/providers/logs?limit=abc')).status, 400)
  t.equal((await admin(gateway, '/providers/logs/nosuch')).status, 404)

  const costs = (await admin(gateway, '/providers/costs')).json
  t.equal(costs.currency, 'USD')
  const providerTotals = costs.providers.map((entry: { totalCost: number }) => entry.totalCost) as number[]
  t.ok(Math.abs(costs.totalCost - sum(providerTotals)) < 1e-12, 'total = sum of providers')
  for (const entry of costs.providers as Array<{ totalCost: number, models: Array<{ cost: number }> }>) {
    t.ok(Math.abs(entry.totalCost - sum(entry.models.map((model) => model.cost))) < 1e-12, 'provider total = sum of its models')
  }
  t.match(costs.providers.find((entry: { provider: string }) => entry.provider === 'groq'), { models: [{ model: 'llama-3.3-70b-versatile', requests: 4 }] })

  t.equal((await admin(gateway, '/providers/metrics/reset', { method: 'POST' })).status, 204)
  const after = (await admin(gateway, '/providers/metrics')).json.providers as Array<Record<string, unknown>>
  for (const entry of after) t.match(entry, { requestCount: 0, totalTokensIn: 0, totalCost: 0, avgLatencyMs: null, lastUsed: null, errorRate: 0 })
  t.same((await admin(gateway, '/providers/logs')).json.logs, [])
  t.equal((await admin(gateway, '/providers/costs')).json.totalCost, 0)
})

t.test('admin endpoints: ADMIN_API_KEY when set, else a gateway key, else open with a warning off loopback', async (t) => {
  const withAdmin = await startGateway(t, { ...simulatorEnv({ groq: simulators.groq }), ADMIN_API_KEY: 'admin-secret', GATEWAY_API_KEYS: 'client-key' })
  for (const path of ['/providers/status', '/providers/metrics', '/providers/logs', '/providers/costs', '/providers/health', '/metrics']) {
    const bare = await fetch(`${withAdmin.url}${path}`)
    t.equal(bare.status, 401, `${path} without a key`)
    t.match(await bare.json(), { error: { type: 'authentication_error', code: 'invalid_api_key' } })
    t.equal((await fetch(`${withAdmin.url}${path}`, { headers: { authorization: 'Bearer client-key' } })).status, 401, `${path}: a gateway key is not enough`)
    t.equal((await fetch(`${withAdmin.url}${path}`, { headers: ADMIN })).status, 200, `${path} with the admin key`)
  }
  t.equal((await fetch(`${withAdmin.url}/providers/metrics/reset`, { method: 'POST', headers: { authorization: 'Bearer client-key' } })).status, 401)
  t.equal((await fetch(`${withAdmin.url}/healthz`)).status, 200, 'liveness stays open')
  const malformed = await fetch(`${withAdmin.url}/providers/metrics/reset`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: '{oops' })
  t.equal(malformed.status, 400, 'a malformed body is the client\'s error, not a 500')
  t.match(await malformed.json(), { error: { type: 'invalid_request_error', message: /could not parse the JSON body/ } })

  const gatewayKeyOnly = await startGateway(t, { ...simulatorEnv({ groq: simulators.groq }), GATEWAY_API_KEYS: 'client-key' })
  t.equal((await fetch(`${gatewayKeyOnly.url}/providers/status`)).status, 401)
  t.equal((await fetch(`${gatewayKeyOnly.url}/providers/status`, { headers: { authorization: 'Bearer client-key' } })).status, 200)

  const open = await startGateway(t, { ...simulatorEnv({ groq: simulators.groq }), HOST: '0.0.0.0' })
  t.equal((await fetch(`${open.url}/providers/status`)).status, 200)
  t.ok(open.logs.some((line) => line.includes('admin endpoints') && line.includes('"level":40')), 'start-up warns when open and not on loopback')
  const quiet = await startGateway(t, simulatorEnv({ groq: simulators.groq }))
  t.notOk(quiet.logs.some((line) => line.includes('admin endpoints')), 'no warning on loopback')
})

t.test('status and health describe every provider without a key; health follows the circuit', async (t) => {
  const gateway = await startGateway(t, {
    ...simulatorEnv({ openai: simulators.openai, groq: simulators.groq }),
    DEFAULT_PROVIDER: 'openai',
    ADMIN_API_KEY: 'admin-secret',
    TOGETHER_API_KEY: 'together-key-that-must-not-leak',
    TOGETHER_DISPATCH_MODE: 'off',
    CIRCUIT_COOLDOWN_MS: '60000'
  })
  const status = await admin(gateway, '/providers/status')
  t.match(status.json.providers.find((entry: { name: string }) => entry.name === 'groq'), {
    enabled: true, mode: 'fallback', weight: 1, baseUrl: simulators.groq.url, defaultModel: 'llama-3.3-70b-versatile', keyConfigured: true
  })
  t.match(status.json.providers.find((entry: { name: string }) => entry.name === 'together'), { enabled: false, mode: 'off', keyConfigured: true })
  t.match(status.json.providers.find((entry: { name: string }) => entry.name === 'mistral'), { enabled: false, keyConfigured: false })
  t.notMatch(status.text, /together-key-that-must-not-leak|simulated/)

  t.match((await admin(gateway, '/providers/health')).json, { status: 'ok' })
  simulators.groq.fail({ kind: 'status', status: 502 }, 5)
  for (let index = 0; index < 5; index++) await chat(gateway, 'groq:llama-3.3-70b-versatile')
  const health = await admin(gateway, '/providers/health')
  t.equal(health.status, 200, 'openai can still serve')
  t.match(health.json.providers.find((entry: { provider: string }) => entry.provider === 'groq'), {
    status: 'down', circuit: 'open', consecutiveFailures: 5, lastError: { status: 502, message: /Groq error \(502\)/ }, lastSuccess: null
  })
  t.match(health.json.providers.find((entry: { provider: string }) => entry.provider === 'openai'), { status: 'healthy', circuit: 'closed' })
  t.match(health.json.providers.find((entry: { provider: string }) => entry.provider === 'together'), { status: 'disabled' })

  simulators.openai.fail({ kind: 'status', status: 502 }, 5)
  for (let index = 0; index < 5; index++) await chat(gateway, 'openai:gpt-4o-mini')
  const down = await admin(gateway, '/providers/health')
  t.equal(down.status, 503, 'no enabled provider can serve')
  t.equal(down.json.status, 'unavailable')
})

t.test('/metrics is Prometheus text with provider labels', async (t) => {
  const gateway = await startGateway(t, { ...simulatorEnv({ openai: simulators.openai, groq: simulators.groq }), DEFAULT_PROVIDER: 'openai', ADMIN_API_KEY: 'admin-secret' })
  await chat(gateway, 'openai:gpt-4o-mini')
  await chat(gateway, 'groq:llama-3.3-70b-versatile', { stream: true })
  await chat(gateway, 'openai:some-model-outside-the-catalog')
  const scrape = await admin(gateway, '/metrics')
  t.equal(scrape.status, 200)
  const families = new Map(parsePrometheusTextFormat(scrape.text).map((family) => [family.name, family]))
  const requests = families.get('switchyard_requests_total')
  t.equal(requests?.type, 'COUNTER')
  t.same(new Set(requests?.metrics.map((sample) => sample.labels?.provider)), new Set(['openai', 'groq']))
  t.ok(requests?.metrics.some((sample) => sample.labels?.model === 'other'), 'models outside the catalog share one label')
  t.match(families.get('switchyard_tokens_total')?.metrics, [{ labels: { provider: String, kind: String } }])
  t.equal(families.get('switchyard_request_duration_seconds')?.type, 'HISTOGRAM')
  // The parser folds a labelled histogram into one bucket map (its flattening drops labels), so check the total.
  t.equal(families.get('switchyard_time_to_first_token_seconds')?.metrics[0]?.buckets?.['+Inf'], '1', 'one stream, one time to first token')
  t.match(scrape.text, /switchyard_time_to_first_token_seconds_count\{provider="groq"\} 1/)
  t.ok(Number(families.get('switchyard_cost_usd_total')?.metrics.find((sample) => sample.labels?.provider === 'groq')?.value) > 0)
  t.match(families.get('switchyard_provider_attempts_total')?.metrics, [{ labels: { outcome: 'success' } }])
  t.ok(families.get('switchyard_circuit_state')?.metrics.some((sample) => sample.labels?.state === 'closed' && sample.value === '1'))
  t.ok(families.has('process_cpu_user_seconds_total'), 'default process metrics')
  t.ok(families.has('nodejs_eventloop_lag_seconds'))
})

t.test('a client that disconnects is logged as 499 with the tokens seen so far; a stream without usage is estimated', async (t) => {
  const gateway = await startGateway(t, { ...simulatorEnv({ openai: simulators.openai }), DEFAULT_PROVIDER: 'openai', ADMIN_API_KEY: 'admin-secret' })
  simulators.openai.script = { text: 'word '.repeat(40), chunkCount: 40, chunkDelayMs: 25 }
  const controller = new AbortController()
  const response = await postChat(gateway.url, {
    model: 'openai:gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x'.repeat(40) }]
  }, { signal: controller.signal })
  const reader = response.body?.getReader()
  await reader?.read()
  await reader?.read()
  const abandoned = simulators.openai.waitForAbandon()
  controller.abort()
  await abandoned
  let entry: Record<string, unknown> | undefined
  for (let tries = 0; tries < 50 && entry === undefined; tries++) {
    entry = (await admin(gateway, '/providers/logs')).json.logs[0]
    if (entry === undefined) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.match(entry, { statusCode: 499, success: false, stream: true, provider: 'openai', usageSource: 'estimated', tokensIn: 10 })
  t.ok(Number(entry?.tokensOut) > 0 && Number(entry?.tokensOut) < 50, `tokens seen so far: ${String(entry?.tokensOut)}`)
  t.match((await admin(gateway, '/providers/metrics/openai')).json, { requestCount: 1, errorCount: 1 })

  simulators.openai.script = { text: 'twelve chars', omitStreamUsage: true }
  const streamed = await chat(gateway, 'openai:gpt-4o-mini', { stream: true })
  t.equal(streamed.usage, undefined, 'the provider sent no usage')
  t.match((await admin(gateway, '/providers/logs')).json.logs[0], { success: true, usageSource: 'estimated', tokensIn: 10, tokensOut: 3, costSource: 'catalog' })
})

t.test('PRICING_FILE overrides a price; an unpriced model\'s cost is null, with one warning', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'switchyard-pricing-'))
  const file = join(folder, 'prices.json')
  await writeFile(file, JSON.stringify({ openai: { 'gpt-4o-mini': { input: 1, output: 2 } } }))
  const gateway = await startGateway(t, { ...simulatorEnv({ openai: simulators.openai }), DEFAULT_PROVIDER: 'openai', ADMIN_API_KEY: 'admin-secret', PRICING_FILE: file })
  const priced = await chat(gateway, 'openai:gpt-4o-mini')
  const usage = priced.usage as Usage
  const log = (await admin(gateway, '/providers/logs')).json.logs[0]
  t.match(log, { costSource: 'override' })
  t.ok(Math.abs(log.cost - (usage.prompt_tokens * 1 + usage.completion_tokens * 2) / 1e6) < 1e-9)

  await chat(gateway, 'openai:not-a-priced-model')
  await chat(gateway, 'openai:not-a-priced-model')
  t.match((await admin(gateway, '/providers/logs')).json.logs[0], { costSource: 'unknown', cost: null, success: true })
  t.equal(gateway.logs.filter((line) => line.includes('no price known') && line.includes('not-a-priced-model')).length, 1, 'one warning per model')

  await writeFile(file, '{"openai": {"gpt-4o-mini": {"input": "cheap"}}}')
  await t.rejects(startGateway(t, { PRICING_FILE: file }), /PRICING_FILE=.*prices\.json/)
  await t.rejects(startGateway(t, { PRICING_FILE: join(folder, 'missing.json') }), /PRICING_FILE=.*cannot be read/)
})

t.test('no provider key appears in any response or log line', async (t) => {
  const keys = Object.values(simulators).map((simulator) => simulator.apiKey)
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), DEFAULT_PROVIDER: 'openai', ADMIN_API_KEY: 'admin-secret' })
  simulators.groq.fail({ kind: 'status', status: 401 })
  await chat(gateway, 'groq:llama-3.3-70b-versatile')
  await chat(gateway, 'mistral:mistral-small-latest', { stream: true })
  for (const path of ['/providers/status', '/providers/metrics', '/providers/logs', '/providers/costs', '/providers/health', '/metrics']) await admin(gateway, path)
  const everything = [...seen, ...gateway.logs].join('\n')
  t.ok(everything.length > 10_000, 'a fair amount of output was checked')
  for (const key of keys) t.notOk(everything.includes(key), `${key.slice(0, 6)}… never appears`)
  t.notOk(everything.includes('admin-secret'), 'nor the admin key')
})
