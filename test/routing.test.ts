import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Env } from '../src/config/config.ts'
import { postChat, readToEnd, simulatorEnv, startGateway, startSimulators, type Simulators } from './helpers/gateway.ts'

// Contract §3 through HTTP: where traffic goes for each dispatch mode, and how failures move it.

const simulators = await startSimulators(t)
t.beforeEach(() => { for (const simulator of Object.values(simulators)) simulator.reset() })

const hello = (model: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra })

/** Every simulator enabled, OpenAI the default provider, plus `env`. */
function allEnabled (env: Env = {}): Env {
  return { ...simulatorEnv(simulators), DEFAULT_PROVIDER: 'openai', ...env }
}

function calls (name: keyof Simulators): string[] {
  return simulators[name].requests.filter((request) => request.method === 'POST').map((request) => (request.body as { model: string }).model)
}

async function send (url: string, model: string, extra: Record<string, unknown> = {}) {
  const response = await postChat(url, hello(model, extra))
  const text = await response.text()
  return {
    status: response.status,
    provider: response.headers.get('x-switchyard-provider'),
    model: response.headers.get('x-switchyard-model'),
    attempts: response.headers.get('x-switchyard-attempts'),
    retryAfter: response.headers.get('retry-after'),
    text,
    json: (text.startsWith('{') ? JSON.parse(text) : undefined) as { error?: { message: string, code: string | null } } | undefined
  }
}

t.test('a prefix pins the provider and never falls back', async (t) => {
  const gateway = await startGateway(t, allEnabled())
  const ok = await send(gateway.url, 'groq:llama-3.1-8b-instant')
  t.match(ok, { status: 200, provider: 'groq', model: 'llama-3.1-8b-instant', attempts: 'groq:200' })
  simulators.groq.fail({ kind: 'status', status: 503 })
  const failed = await send(gateway.url, 'groq:llama-3.1-8b-instant')
  t.match(failed, { status: 503, attempts: 'groq:503' })
  t.same(calls('groq'), ['llama-3.1-8b-instant', 'llama-3.1-8b-instant'])
  t.same([...calls('openai'), ...calls('together'), ...calls('mistral')], [], 'nobody else was asked')
})

t.test('exclusive takes all unprefixed traffic with a mapped model and never falls back', async (t) => {
  const gateway = await startGateway(t, allEnabled({ MISTRAL_DISPATCH_MODE: 'exclusive', MISTRAL_MODEL_MAP: 'gpt-4o=mistral-large-latest' }))
  t.match(await send(gateway.url, 'gpt-4o'), { status: 200, provider: 'mistral', model: 'mistral-large-latest' })
  t.match(await send(gateway.url, 'llama-3.3-70b-versatile'), { status: 200, provider: 'mistral', model: 'mistral-small-latest' },
    'even a model another provider owns')
  simulators.mistral.fail({ kind: 'status', status: 503 })
  t.match(await send(gateway.url, 'gpt-4o'), { status: 503, attempts: 'mistral:503' })
  t.same(calls('mistral'), ['mistral-large-latest', 'mistral-small-latest', 'mistral-large-latest'])
  t.same([...calls('openai'), ...calls('groq'), ...calls('together')], [])
})

t.test('a model one enabled provider owns goes there without a prefix', async (t) => {
  const gateway = await startGateway(t, allEnabled())
  t.match(await send(gateway.url, 'llama-3.3-70b-versatile'), { status: 200, provider: 'groq', model: 'llama-3.3-70b-versatile' })
  t.match(await send(gateway.url, 'mistral-large-latest'), { status: 200, provider: 'mistral' })
  t.same(calls('openai'), [])
})

t.test('pooled traffic splits by weight: 9:1 gives 90 of 100, equal weights split evenly', async (t) => {
  const weighted = await startGateway(t, allEnabled({ OPENAI_WEIGHT: '9', GROQ_DISPATCH_MODE: 'pooled', GROQ_WEIGHT: '1' }))
  for (let index = 0; index < 100; index++) await send(weighted.url, 'house-model')
  t.equal(calls('openai').length, 90)
  t.equal(calls('groq').length, 10)
  t.same(new Set(calls('groq')), new Set(['llama-3.3-70b-versatile']), 'mapped to the pooled provider\'s default model')
  await weighted.app.close()

  for (const simulator of Object.values(simulators)) simulator.reset()
  const even = await startGateway(t, allEnabled({ GROQ_DISPATCH_MODE: 'pooled', TOGETHER_DISPATCH_MODE: 'pooled' }))
  for (let index = 0; index < 60; index++) await send(even.url, 'house-model')
  t.same([calls('openai').length, calls('groq').length, calls('together').length], [20, 20, 20])
  t.equal(calls('mistral').length, 0, 'a fallback provider takes no traffic while the pool answers')
})

t.test('an off provider with a key is never called, and a prefix to it is a 400 naming it', async (t) => {
  const gateway = await startGateway(t, allEnabled({ GROQ_DISPATCH_MODE: 'off' }))
  const pinned = await send(gateway.url, 'groq:llama-3.3-70b-versatile')
  t.equal(pinned.status, 400)
  t.match(pinned.json?.error, { code: 'provider_not_enabled', message: /'groq'.*GROQ_DISPATCH_MODE is off/ })
  simulators.openai.fail({ kind: 'status', status: 503 }, 3)
  for (const model of ['llama-3.3-70b-versatile', 'house-model', 'gpt-4o']) t.equal((await send(gateway.url, model)).status, 200)
  t.same(calls('groq'), [])
})

t.test('the default failing with 503 falls back; a chain continues past a second failure', async (t) => {
  const { openai, groq, mistral } = simulators
  const gateway = await startGateway(t, { ...simulatorEnv({ openai, groq, mistral }), DEFAULT_PROVIDER: 'openai' })
  simulators.openai.fail({ kind: 'status', status: 503 })
  t.match(await send(gateway.url, 'gpt-4o-mini'), { status: 200, provider: 'groq', model: 'llama-3.3-70b-versatile', attempts: 'openai:503,groq:200' })

  simulators.openai.fail({ kind: 'status', status: 503 })
  simulators.groq.fail({ kind: 'reset' })
  const third = await send(gateway.url, 'gpt-4o-mini')
  t.match(third, { status: 200, provider: 'mistral', model: 'mistral-small-latest', attempts: 'openai:503,groq:502,mistral:200' })
  t.match(JSON.parse(third.text), { object: 'chat.completion', model: 'mistral-small-latest' })
})

t.test('Groq out of flex capacity (498) is told as 503 and falls back like any overloaded provider', async (t) => {
  const { openai, groq, mistral } = simulators
  const gateway = await startGateway(t, { ...simulatorEnv({ openai, groq, mistral }), DEFAULT_PROVIDER: 'groq' })
  simulators.groq.fail({ kind: 'status', status: 498, message: 'Flex tier capacity exceeded' })
  t.match(await send(gateway.url, 'llama-3.3-70b-versatile'), { status: 200, provider: /^(openai|mistral)$/, attempts: /^groq:498,(openai|mistral):200$/ })
  simulators.groq.fail({ kind: 'status', status: 498, message: 'Flex tier capacity exceeded' })
  const pinned = await send(gateway.url, 'groq:llama-3.3-70b-versatile')
  t.match(pinned, { status: 503, attempts: 'groq:498' })
  t.match(pinned.json?.error, { message: /^Groq error \(498\): Flex tier capacity exceeded/ })
})

t.test('a stream falls back before its first byte, and not after it', async (t) => {
  const gateway = await startGateway(t, allEnabled())
  simulators.openai.fail({ kind: 'reset' })
  const response = await postChat(gateway.url, hello('gpt-4o-mini', { stream: true }))
  t.equal(response.status, 200)
  t.equal(response.headers.get('x-switchyard-attempts'), 'openai:502,groq:200')
  const { text } = await readToEnd(response.body?.getReader())
  t.match(text, /data: \[DONE\]\n\n$/)
  t.match(text, /"model":"llama-3.3-70b-versatile"/)

  simulators.openai.fail({ kind: 'stall-after', events: 2, reset: true })
  const midway = await postChat(gateway.url, hello('gpt-4o-mini', { stream: true }))
  t.equal(midway.headers.get('x-switchyard-attempts'), 'openai:200')
  const broken = await readToEnd(midway.body?.getReader())
  t.match(broken.text, /data: \{"error"/, 'an error event once bytes have gone out')
  t.notMatch(broken.text, /\[DONE\]/)
  t.equal(calls('groq').length, 1, 'no fallback after the first byte')
})

t.test('a 400 from the provider is never retried', async (t) => {
  const gateway = await startGateway(t, allEnabled())
  simulators.openai.fail({ kind: 'status', status: 400 })
  t.match(await send(gateway.url, 'gpt-4o-mini'), { status: 400, attempts: 'openai:400' })
  simulators.openai.fail({ kind: 'status', status: 422 })
  t.match(await send(gateway.url, 'gpt-4o-mini'), { attempts: 'openai:422' })
  t.same([...calls('groq'), ...calls('together'), ...calls('mistral')], [])
})

t.test('429 with retry-after cools the provider down: the pool skips it until then; a pinned request still goes', async (t) => {
  const gateway = await startGateway(t, allEnabled({ GROQ_DISPATCH_MODE: 'pooled', TOGETHER_DISPATCH_MODE: 'off', MISTRAL_DISPATCH_MODE: 'off' }))
  simulators.openai.fail({ kind: 'status', status: 429, retryAfter: '1' })
  t.match(await send(gateway.url, 'house-model'), { status: 200, attempts: 'openai:429,groq:200' })
  for (let index = 0; index < 4; index++) t.match(await send(gateway.url, 'house-model'), { provider: 'groq', attempts: 'groq:200' })
  t.equal(calls('openai').length, 1, 'skipped while cooling down')
  t.match(await send(gateway.url, 'openai:gpt-4o-mini'), { status: 200, provider: 'openai' }, 'pinned requests ignore the cooldown')
  t.ok(gateway.logs.some((line) => line.includes('"to":"cooldown"')), 'the transition is logged')
  await sleep(1100)
  const providers = new Set<string | null>()
  for (let index = 0; index < 4; index++) providers.add((await send(gateway.url, 'house-model')).provider)
  t.same([...providers].sort(), ['groq', 'openai'], 'back in the pool after retry-after')
})

t.test('a provider failing repeatedly opens its circuit, is skipped, and is probed after the cool-down', async (t) => {
  const gateway = await startGateway(t, allEnabled({ CIRCUIT_COOLDOWN_MS: '400', TOGETHER_DISPATCH_MODE: 'off', MISTRAL_DISPATCH_MODE: 'off' }))
  simulators.openai.fail({ kind: 'status', status: 500 }, 5)
  for (let index = 0; index < 5; index++) t.match(await send(gateway.url, 'house-model'), { status: 200, attempts: 'openai:500,groq:200' })
  t.equal(gateway.app.router.health('openai')?.circuit, 'open')
  t.match(await send(gateway.url, 'house-model'), { provider: 'groq', attempts: 'groq:200' }, 'open: skipped without a call')
  t.equal(calls('openai').length, 5)
  await sleep(450)
  t.equal(gateway.app.router.health('openai')?.circuit, 'half-open')
  t.match(await send(gateway.url, 'house-model'), { provider: 'openai', attempts: 'openai:200' }, 'the probe')
  t.equal(gateway.app.router.health('openai')?.circuit, 'closed')
  const transitions = gateway.logs.filter((line) => line.includes('"provider":"openai"') && line.includes('"from"'))
    .map((line) => JSON.parse(line) as { from: string, to: string })
  t.same(transitions.map((line) => `${line.from}→${line.to}`), ['closed→open', 'open→half-open', 'half-open→closed'])
})

t.test('when every provider fails the client gets one error listing the attempts', async (t) => {
  const gateway = await startGateway(t, { ...simulatorEnv({ openai: simulators.openai, groq: simulators.groq }), DEFAULT_PROVIDER: 'openai' })
  simulators.openai.fail({ kind: 'status', status: 503 })
  simulators.groq.fail({ kind: 'status', status: 500 })
  const failed = await send(gateway.url, 'gpt-4o-mini')
  t.equal(failed.status, 502)
  t.match(failed.json?.error, { code: 'all_providers_failed', message: /openai: 503, groq: 500/ })
  t.equal(failed.attempts, 'openai:503,groq:500')

  simulators.openai.fail({ kind: 'status', status: 429, retryAfter: '7' })
  simulators.groq.fail({ kind: 'status', status: 429, retryAfter: '3' })
  const limited = await send(gateway.url, 'gpt-4o-mini')
  t.match(limited, { status: 429, retryAfter: '3' }, 'the last status when it is 429, with the shortest retry-after')

  const cooling = await send(gateway.url, 'gpt-4o-mini')
  t.match(cooling, { status: 429, attempts: null }, 'both cooling down: an immediate 429, nobody called')
  t.match(cooling.json?.error?.message, /openai: cooling down after 429.*groq: cooling down after 429/)
  t.equal(calls('openai').length + calls('groq').length, 4)
})
