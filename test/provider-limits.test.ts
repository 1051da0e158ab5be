import t from 'tap'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Env } from '../src/config/config.ts'
import { postChat, readToEnd, simulatorEnv, startGateway, startSimulators, type Simulators, type TestGateway } from './helpers/gateway.ts'
import { startSimulator as startAnthropic } from '../providers/anthropic/simulator.ts'
import { awayFromWindowEdge } from './helpers/clock.ts'
import { redisUrl } from './helpers/redis.ts'

// Per-provider limits and the admission queue (issue 23), through HTTP against simulators that send their
// provider's real rate-limit headers and, when told, enforce a limit with 429 as the provider would.

const simulators = await startSimulators(t)
const anthropic = await startAnthropic()
t.teardown(() => anthropic.close())
t.beforeEach(() => {
  for (const simulator of Object.values(simulators)) simulator.reset()
  anthropic.reset()
})

/** Only `names` enabled; every other simulated provider off. */
function only (names: Array<keyof Simulators>, env: Env = {}): Env {
  const off = Object.fromEntries((Object.keys(simulators) as Array<keyof Simulators>).filter((name) => !names.includes(name)).map((name) => [`${name.toUpperCase()}_DISPATCH_MODE`, 'off']))
  return { ...simulatorEnv(simulators), ...off, ...env }
}

const modelCalls = (name: keyof Simulators): number => simulators[name].requests.filter((request) => request.method === 'POST').length
const said = (name: keyof Simulators): string[] => simulators[name].requests.filter((request) => request.method === 'POST')
  .map((request) => ((request.body as { messages: Array<{ content: string }> }).messages[0] as { content: string }).content)

async function chat (url: string, content: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  const response = await postChat(url, { model: 'house-model', messages: [{ role: 'user', content }], ...extra }, { headers })
  const text = await response.text()
  return {
    status: response.status,
    provider: response.headers.get('x-switchyard-provider'),
    queuedMs: response.headers.get('x-switchyard-queued-ms'),
    retryAfter: response.headers.get('retry-after'),
    retryAfterMs: response.headers.get('retry-after-ms'),
    body: JSON.parse(text) as { error?: { message: string, type: string, code: string | null, param: string | null } },
    at: Date.now()
  }
}

interface LimitsReport {
  declared: Record<string, unknown>
  learned: Array<{ model: string, requestsPerMinute?: number, requests?: { remaining: number } }>
  headroom: Array<{ model: string | null, limit: string, declared: number, effective: number, used: number, remaining: number }>
  queue: { depth: number, admitted: number, rejections: Record<string, number> }
}

async function limitsOf (gateway: TestGateway, provider: string, adminKey?: string): Promise<LimitsReport> {
  const response = await fetch(`${gateway.url}/providers/metrics/${provider}`, { headers: adminKey === undefined ? {} : { authorization: `Bearer ${adminKey}` } })
  return ((await response.json()) as { limits: LimitsReport }).limits
}

async function until (check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(5)
  }
}

t.test('GROQ_RPM=60 in a pool with Together: a burst of 120 is split so that Groq never sees more than 60 a minute, and no client sees a 429', async (t) => {
  await awayFromWindowEdge(60_000, 20_000)
  simulators.groq.limit({ requestsPerMinute: 60, enforce: true })
  // Groq would take three in four by weight; its limit sends the rest to Together before Groq ever refuses one.
  const gateway = await startGateway(t, only(['groq', 'together'], { DEFAULT_PROVIDER: 'groq', GROQ_WEIGHT: '3', TOGETHER_DISPATCH_MODE: 'pooled', GROQ_RPM: '60' }))
  const answers = await Promise.all(Array.from({ length: 120 }, async (_, index) => await chat(gateway.url, `burst ${index}`)))
  t.same(answers.filter((answer) => answer.status !== 200).map((answer) => answer.status), [], 'every request answered')
  t.equal(modelCalls('groq'), 60, 'Groq got exactly its 60')
  t.equal(modelCalls('together'), 60, 'Together took the rest')
  t.equal(simulators.groq.refusedForLimits, 0, 'Groq never had to refuse one')
  t.equal(answers.filter((answer) => answer.provider === 'groq').length, 60)
  const limits = await limitsOf(gateway, 'groq')
  t.match(limits.headroom, [{ model: null, limit: 'requests_per_minute', declared: 60, effective: 60, used: 60, remaining: 0 }])
  t.equal(answers[0]?.queuedMs, '0', 'nobody waited: the pool had room')
})

t.test('the same burst without GROQ_RPM, sent before Groq\'s headers could say anything: Groq is sent more than its limit and refuses (the test above can fail)', async (t) => {
  await awayFromWindowEdge(60_000, 20_000)
  simulators.groq.limit({ requestsPerMinute: 60, enforce: true })
  // Answers held back, so that no x-ratelimit-remaining-requests arrives before the whole burst is out.
  simulators.groq.fail({ kind: 'delay', ms: 500 }, 120)
  const gateway = await startGateway(t, only(['groq', 'together'], { DEFAULT_PROVIDER: 'groq', GROQ_WEIGHT: '3', TOGETHER_DISPATCH_MODE: 'pooled' }))
  await Promise.all(Array.from({ length: 120 }, async (_, index) => await chat(gateway.url, `burst ${index}`)))
  t.ok(simulators.groq.refusedForLimits > 0, `Groq refused ${simulators.groq.refusedForLimits}`)
})

t.test('one provider, one slot: waiting requests are served round-robin across three keys, and a full queue says when to come back', async (t) => {
  const keys = { a: 'sk-key-a-000000', b: 'sk-key-b-000000', c: 'sk-key-c-000000' }
  const gateway = await startGateway(t, only(['openai'], { OPENAI_DISPATCH_MODE: 'exclusive', OPENAI_MAX_CONCURRENCY: '1', QUEUE_MAX_DEPTH: '8', GATEWAY_API_KEYS: Object.values(keys).join(',') }))
  const as = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` })
  const HOLD_MS = 700
  simulators.openai.fail({ kind: 'delay', ms: HOLD_MS }, 20)
  // One call first, so that the gateway has seen how long a call holds the slot.
  t.equal((await chat(gateway.url, 'warm-up', as(keys.a))).status, 200)
  simulators.openai.requests.length = 0

  // One request holds the slot; then key A queues four, B and C two each, each in place before the next is sent.
  const pending = [chat(gateway.url, 'first', as(keys.a))]
  await until(() => modelCalls('openai') === 1, 'the first request reached the provider')
  const order = ['A1', 'A2', 'A3', 'A4', 'B1', 'B2', 'C1', 'C2']
  for (const [index, name] of order.entries()) {
    pending.push(chat(gateway.url, name, as(keys[name[0]?.toLowerCase() as 'a' | 'b' | 'c'])))
    await until(async () => (await limitsOf(gateway, 'openai', keys.a)).queue.depth === index + 1, `${name} is queued`)
  }

  // The queue is full: the next request is turned away at once, told when the slot should be free.
  const refused = await chat(gateway.url, 'one too many', as(keys.c))
  t.equal(refused.status, 429)
  t.match(refused.body.error, { type: 'rate_limit_error', code: 'queue_full' })
  t.match(refused.body.error?.message, /queue is full \(8 waiting\)/)
  const promisedMs = Number(refused.retryAfterMs)
  t.ok(promisedMs > 0, `retry-after-ms ${refused.retryAfterMs}`)
  t.equal(refused.retryAfter, String(Math.ceil(promisedMs / 1000)), 'retry-after is the same wait in whole seconds')

  const answers = await Promise.all(pending)
  t.same(answers.map((answer) => answer.status), Array(9).fill(200))
  t.same(said('openai'), ['first', 'A1', 'B1', 'C1', 'A2', 'B2', 'C2', 'A3', 'A4'], 'round-robin across keys, in arrival order within each')
  t.ok(simulators.openai.peakInFlight === 1, 'never more than one call at a time')
  // The slot freed when the call in flight at the refusal ended and the next one went out.
  const freedAt = simulators.openai.requests.filter((request) => request.method === 'POST').map((request) => request.receivedAt).find((at) => at >= refused.at) as number
  const actualMs = freedAt - refused.at
  t.ok(Math.abs(promisedMs - actualMs) <= 0.2 * actualMs + 20, `retry-after-ms ${promisedMs} is within 20 % of the ${actualMs} ms after which a slot freed`)
  t.ok(Number(answers[8]?.queuedMs) >= HOLD_MS * 5, `the last waited its turn (${answers[8]?.queuedMs} ms), and says so in x-switchyard-queued-ms`)

  const limits = await limitsOf(gateway, 'openai', keys.a)
  t.match(limits.queue, { depth: 0, admitted: 8, rejections: { queue_full: 1 } })
  const prometheus = await (await fetch(`${gateway.url}/metrics`, { headers: as(keys.a) })).text()
  t.match(prometheus, /switchyard_queue_rejections_total\{provider="openai",reason="queue_full"\} 1/)
  t.match(prometheus, /switchyard_queue_wait_seconds_count\{provider="openai"\} 8/)
  t.match(prometheus, /switchyard_provider_limit_headroom\{provider="openai",model="",limit="concurrency"\} 1/)

  // The store's rollups keep the same: who waited, for how long, and who was turned away.
  const windowOf = async () => ((await (await fetch(`${gateway.url}/providers/metrics?window=15m`, { headers: as(keys.a) })).json()) as {
    providers: Array<{ provider: string, queued: number, avgQueuedMs: number | null, p95QueuedMs: number | null, queueRefused: { queueFull: number } }>
  }).providers.find((row) => row.provider === 'openai')
  await until(async () => { const row = await windowOf(); return row?.queueRefused.queueFull === 1 && row.queued === 8 }, 'the rollups have the queue')
  t.ok(((await windowOf())?.avgQueuedMs ?? 0) >= HOLD_MS, 'with the average wait')
  t.ok(((await windowOf())?.p95QueuedMs ?? 0) >= HOLD_MS * 4, 'and its distribution')
})

t.test('x-switchyard-priority: high goes first; low last; a bad value is a 400 and a virtual key needs allowHighPriority', async (t) => {
  const gateway = await startGateway(t, only(['openai'], { OPENAI_DISPATCH_MODE: 'exclusive', OPENAI_MAX_CONCURRENCY: '1', ADMIN_API_KEY: 'admin-key-0000' }))
  simulators.openai.fail({ kind: 'delay', ms: 300 }, 10)
  const pending = [chat(gateway.url, 'first')]
  await until(() => modelCalls('openai') === 1, 'the first request reached the provider')
  const sends: Array<[string, string]> = [['low', 'low'], ['n1', 'normal'], ['n2', 'normal'], ['high', 'high']]
  for (const [index, [content, priority]] of sends.entries()) {
    pending.push(chat(gateway.url, content, { 'x-switchyard-priority': priority }))
    await until(async () => (await limitsOf(gateway, 'openai', 'admin-key-0000')).queue.depth === index + 1, `${content} is queued`)
  }
  t.same((await Promise.all(pending)).map((answer) => answer.status), [200, 200, 200, 200, 200])
  t.same(said('openai'), ['first', 'high', 'n1', 'n2', 'low'])

  const bad = await chat(gateway.url, 'x', { 'x-switchyard-priority': 'urgent' })
  t.match(bad, { status: 400, body: { error: { type: 'invalid_request_error', param: 'x-switchyard-priority', code: 'invalid_priority' } } })

  const created = await fetch(`${gateway.url}/providers/keys`, { method: 'POST', headers: { authorization: 'Bearer admin-key-0000', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'team-a' }) })
  const key = ((await created.json()) as { key: string }).key
  const denied = await chat(gateway.url, 'x', { authorization: `Bearer ${key}`, 'x-switchyard-priority': 'high' })
  t.match(denied, { status: 403, body: { error: { code: 'priority_not_allowed' } } })
  t.equal((await chat(gateway.url, 'x', { authorization: `Bearer ${key}`, 'x-switchyard-priority': 'low' })).status, 200, 'low is anyone\'s to ask for')
})

t.test('a client that disconnects while waiting leaves the queue at once, and is never sent upstream', async (t) => {
  const gateway = await startGateway(t, only(['openai'], { OPENAI_DISPATCH_MODE: 'exclusive', OPENAI_MAX_CONCURRENCY: '1' }))
  simulators.openai.fail({ kind: 'delay', ms: 400 }, 5)
  const first = chat(gateway.url, 'first')
  await until(() => modelCalls('openai') === 1, 'the first request reached the provider')
  const controller = new AbortController()
  const abandoned = postChat(gateway.url, { model: 'house-model', messages: [{ role: 'user', content: 'gone' }] }, { signal: controller.signal }).catch(() => undefined)
  await until(async () => (await limitsOf(gateway, 'openai')).queue.depth === 1, 'it is queued')
  controller.abort()
  await abandoned
  await until(async () => (await limitsOf(gateway, 'openai')).queue.depth === 0, 'it left the queue')
  t.equal((await first).status, 200)
  t.equal((await chat(gateway.url, 'after')).status, 200)
  t.same(said('openai'), ['first', 'after'], 'the one that left was never sent')
  t.match((await limitsOf(gateway, 'openai')).queue.rejections, { client_left: 1 })
})

t.test('a stream holds its slot until it ends', async (t) => {
  const gateway = await startGateway(t, only(['openai'], { OPENAI_DISPATCH_MODE: 'exclusive', OPENAI_MAX_CONCURRENCY: '1' }))
  simulators.openai.script = { text: 'one two three four five six', chunkDelayMs: 60 }
  const stream = await postChat(gateway.url, { model: 'house-model', stream: true, messages: [{ role: 'user', content: 'stream' }] })
  t.equal(stream.status, 200)
  const second = chat(gateway.url, 'second')
  await until(async () => (await limitsOf(gateway, 'openai')).queue.depth === 1, 'the second waits')
  const streamed = await readToEnd(stream.body?.getReader())
  t.match(streamed.text, /\[DONE\]/)
  const answer = await second
  t.equal(answer.status, 200)
  t.ok(Number(answer.queuedMs) > 0)
  t.equal(simulators.openai.peakInFlight, 1)
})

t.test('a learned limit lower than the declared one takes effect', async (t) => {
  await awayFromWindowEdge(60_000, 10_000)
  // The account allows 3 a minute, and says so in x-ratelimit-limit-requests; the operator declared 100.
  simulators.openai.limit({ requestsPerMinute: 3, enforce: true })
  const gateway = await startGateway(t, only(['openai'], { OPENAI_DISPATCH_MODE: 'exclusive', OPENAI_RPM: '100', QUEUE_MAX_WAIT_MS: '2000' }))
  for (let index = 0; index < 3; index++) t.equal((await chat(gateway.url, `call ${index}`)).status, 200)
  const limits = await limitsOf(gateway, 'openai')
  t.match(limits.headroom, [{ limit: 'requests_per_minute', declared: 100, effective: 3, used: 3, remaining: 0 }])
  t.match(limits.learned, [{ model: 'gpt-4o-mini', requestsPerMinute: 3, requests: { remaining: 0 } }])
  const refused = await chat(gateway.url, 'one more')
  t.equal(refused.status, 429)
  t.match(refused.body.error, { type: 'rate_limit_error', code: 'rate_limit_exceeded' })
  t.ok(Number(refused.retryAfterMs) <= 60_000 && Number(refused.retryAfterMs) > 2000, 'retry-after-ms: when the minute ends')
  t.equal(refused.queuedMs, '0', 'refused at once, and it says it did not wait')
  t.equal(modelCalls('openai'), 3, 'the fourth was never sent')
  t.equal(simulators.openai.refusedForLimits, 0)
})

t.test('Anthropic\'s anthropic-ratelimit-* headers: none left until the reset means the gateway holds back, not a call the provider refuses', async (t) => {
  await awayFromWindowEdge(60_000, 10_000)
  anthropic.limit({ requestsPerMinute: 2, enforce: true })
  // Declared far above what the account allows: what Anthropic says is what holds.
  const gateway = await startGateway(t, { ...simulatorEnv({ anthropic }), ANTHROPIC_RPM: '1000', QUEUE_MAX_WAIT_MS: '1000' })
  const send = async () => await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'client' },
    body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
  })
  t.equal((await send()).status, 200)
  t.equal((await send()).status, 200)
  const refused = await send()
  t.equal(refused.status, 429)
  t.match(await refused.json(), { type: 'error', error: { type: 'rate_limit_error' } }, 'in the Anthropic ingress\'s own shape')
  const waitMs = Number(refused.headers.get('retry-after-ms'))
  t.ok(waitMs > 1000 && waitMs <= 61_000, `retry-after-ms ${waitMs}: until the RFC 3339 reset Anthropic stated`)
  t.equal(anthropic.refusedForLimits, 0, 'the provider never had to refuse')
  t.equal(anthropic.requests.length, 2)
})

t.test('token limits: counted at admission from the prompt estimate and max_tokens, corrected by the answer\'s usage', async (t) => {
  await awayFromWindowEdge(60_000, 10_000)
  const gateway = await startGateway(t, only(['openai'], { OPENAI_DISPATCH_MODE: 'exclusive', OPENAI_TPM: '100000' }))
  simulators.openai.fail({ kind: 'delay', ms: 300 })
  const answer = chat(gateway.url, 'count me', {}, { max_tokens: 5000 })
  await until(() => modelCalls('openai') === 1, 'the call is out')
  const during = (await limitsOf(gateway, 'openai')).headroom[0]
  t.ok((during?.used ?? 0) >= 5000, `reserved ${during?.used} while in flight`)
  t.equal((await answer).status, 200)
  await until(async () => ((await limitsOf(gateway, 'openai')).headroom[0]?.used ?? 0) < 5000, 'corrected')
  const after = (await limitsOf(gateway, 'openai')).headroom[0]
  t.ok((after?.used ?? 0) > 0 && (after?.used ?? 0) < 100, `the usage (${after?.used} tokens) is what counts once it is known`)
})

t.test('PROVIDER_LIMITS_FILE sets a model\'s own limit; bad limits stop start-up with a clear message', async (t) => {
  const { writeFile, mkdtemp } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'sy-limits-'))
  const file = join(dir, 'limits.json')
  await writeFile(file, JSON.stringify({ groq: { models: { 'llama-3.1-8b-instant': { maxConcurrency: 1 } } } }))
  const gateway = await startGateway(t, only(['groq'], { GROQ_DISPATCH_MODE: 'exclusive', PROVIDER_LIMITS_FILE: file }))
  simulators.groq.fail({ kind: 'delay', ms: 200 }, 4)
  const send = async (model: string) => await postChat(gateway.url, { model, messages: [{ role: 'user', content: model }] })
  const answers = await Promise.all([send('groq:llama-3.1-8b-instant'), send('groq:llama-3.1-8b-instant'), send('groq:llama-3.3-70b-versatile')])
  t.same(answers.map((answer) => answer.status), [200, 200, 200])
  t.ok(Number(answers[1]?.headers.get('x-switchyard-queued-ms')) > 0, 'the model with a limit waited for its one slot')
  t.equal(answers[2]?.headers.get('x-switchyard-queued-ms'), null, 'another model, with no limit of its own, neither waited nor was counted')
  t.match((await limitsOf(gateway, 'groq')).headroom, [{ model: 'llama-3.1-8b-instant', limit: 'concurrency', declared: 1 }])

  await t.rejects(startGateway(t, only(['groq'], { GROQ_RPM: 'lots' })), /GROQ_RPM must be a whole number >= 1/)
  await writeFile(file, JSON.stringify({ nosuch: { requestsPerMinute: 1 } }))
  await t.rejects(startGateway(t, only(['groq'], { PROVIDER_LIMITS_FILE: file })), /names 'nosuch', which is not an installed provider/)
  await writeFile(file, JSON.stringify({ groq: { requestsPerMinute: 0 } }))
  await t.rejects(startGateway(t, only(['groq'], { PROVIDER_LIMITS_FILE: file })), /PROVIDER_LIMITS_FILE=.*\/groq\/requestsPerMinute/)
})

t.test('two replicas sharing Redis hold one provider\'s RPM together', async (t) => {
  const url = await redisUrl()
  if (url === undefined) {
    t.comment('SKIPPED: no Redis at 127.0.0.1:6379 (CI requires it)')
    return
  }
  await awayFromWindowEdge(60_000, 15_000)
  const env = only(['groq'], { GROQ_DISPATCH_MODE: 'exclusive', GROQ_RPM: '10', QUEUE_MAX_WAIT_MS: '0', REDIS_URL: url, REDIS_PREFIX: `sy-test-${randomBytes(6).toString('hex')}:` })
  const [one, two] = await Promise.all([startGateway(t, env), startGateway(t, env)])
  const answers = await Promise.all(Array.from({ length: 24 }, async (_, index) => await chat((index % 2 === 0 ? one : two).url, `r${index}`)))
  t.equal(answers.filter((answer) => answer.status === 200).length, 10, 'ten answered between them')
  t.equal(modelCalls('groq'), 10, 'and Groq saw ten')
  const refused = answers.filter((answer) => answer.status === 429)
  t.equal(refused.length, 14)
  t.ok(refused.every((answer) => Number(answer.retryAfter) >= 1 && Number(answer.retryAfter) <= 60), 'each told to come back when the minute ends')
})
