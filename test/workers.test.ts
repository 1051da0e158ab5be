import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { freePort, waitForPort } from './bench/processes.ts'
import { stopProcess } from './helpers/stop-process.ts'
import { sqliteStoreUrl } from './helpers/stores.ts'
import { awayFromWindowEdge } from './helpers/clock.ts'

// WORKERS=2 without Redis: the primary keeps the counters, so one key's limit and budget hold across both
// workers; /metrics answers for the instance; SIGTERM drains both.

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const ADMIN = 'workers-admin'
const groq = await startGroq()
t.teardown(() => groq.close())
const body = JSON.stringify({ model: 'groq:llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 })

async function startInstance (t: { teardown: (fn: () => unknown) => void }, env: Record<string, string>): Promise<{ origin: string, pid: number, exited: Promise<unknown[]>, kill: (signal: NodeJS.Signals) => void }> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), LOG_LEVEL: 'warn', GROQ_API_KEY: groq.apiKey, GROQ_BASE_URL: groq.url, ADMIN_API_KEY: ADMIN, SETTINGS_POLL_MS: '200', MAX_EVENT_LOOP_DELAY_MS: '0', WORKERS: '2', ...env },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const exited = once(child, 'exit')
  t.teardown(() => stopProcess(child))
  await waitForPort(port)
  return { origin: `http://127.0.0.1:${port}`, pid: child.pid as number, exited, kill: (signal) => child.kill(signal) }
}

/** One request on a connection of its own: the cluster hands new connections to the workers in turn. */
function send (origin: string, path: string, options: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${origin}${path}`, { method: options.method ?? 'GET', headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers }, agent: false }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { text += chunk })
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, headers: response.headers, text }) })
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end(options.body)
  })
}

const admin = { authorization: `Bearer ${ADMIN}` }
const chat = (origin: string, key: string): ReturnType<typeof send> => send(origin, '/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body })

async function createKey (origin: string, settings: Record<string, unknown>): Promise<{ id: string, key: string }> {
  const created = await send(origin, '/providers/keys', { method: 'POST', headers: admin, body: JSON.stringify(settings) })
  if (created.status !== 201) throw new Error(`POST /providers/keys: ${created.status} ${created.text}`)
  const key = JSON.parse(created.text) as { id: string, key: string }
  // Until both workers know it: twenty new connections in a row, handed to the workers in turn, find it.
  for (let inARow = 0; inARow < 20;) inARow = (await send(origin, `/providers/keys/${key.id}`, { headers: admin })).status === 200 ? inARow + 1 : 0
  return key
}

t.test('WORKERS=2: one limit and one budget across both workers, /metrics for the instance, SIGTERM drains both', async (t) => {
  const instance = await startInstance(t, { STORE_URL: await sqliteStoreUrl(t) })
  const { origin } = instance

  const limited = await createKey(origin, { name: 'two-workers', requestsPerMinute: 10, windowSeconds: 3600 })
  await awayFromWindowEdge(3_600_000)
  const statuses = await Promise.all(Array.from({ length: 40 }, async () => (await chat(origin, limited.key)).status))
  t.equal(statuses.filter((status) => status === 200).length, 10, '40 at once on both workers: 10 admitted')
  t.equal(statuses.filter((status) => status === 429).length, 30, 'the rest refused')

  const budgeted = await createKey(origin, { name: 'two-workers-budget', budgetDailyUsd: 0.0005 })
  const oneReservation = (Buffer.byteLength(body) / 3 * 0.59 + 100 * 0.79) / 1e6
  const remaining = async (): Promise<number> => (JSON.parse((await send(origin, `/providers/keys/${budgeted.id}`, { headers: admin })).text) as { usage: { daily: { remainingUsd: number } } }).usage.daily.remainingUsd
  let spent = 0
  // Rounds of ten at once until, with every reservation settled, less than one request's worth is left.
  for (let round = 0; round < 100 && await remaining() >= oneReservation; round++) {
    const results = await Promise.all(Array.from({ length: 10 }, async () => await chat(origin, budgeted.key)))
    for (const result of results) if (result.status === 200) spent += Number(result.headers['x-switchyard-cost-usd'])
    for (let last = -1, now = await remaining(); now !== last; last = now, now = await remaining()) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.ok(spent > 0.0005 - 2 * oneReservation, `the budget was used up ($${spent.toFixed(6)})`)
  t.ok(spent <= 0.0005 + oneReservation, `$${spent.toFixed(6)} charged against a $0.0005 budget (one reservation: $${oneReservation.toFixed(6)})`)

  const plain = await createKey(origin, { name: 'two-workers-plain' })
  const metricsBefore = requestsIn((await send(origin, '/metrics', { headers: admin })).text)
  t.equal((await send(origin, '/providers/metrics/reset', { method: 'POST', headers: admin })).status, 204)
  await Promise.all(Array.from({ length: 30 }, async () => await chat(origin, plain.key)))
  const metricsAfter = requestsIn((await send(origin, '/metrics', { headers: admin })).text)
  t.equal(metricsAfter - metricsBefore, 30, 'one scrape counts the requests of both workers')
  // The live provider API too, whichever worker answers: the reset reached both, and the figures are the sum.
  for (let index = 0; index < 4; index++) {
    const live = JSON.parse((await send(origin, '/providers/metrics', { headers: admin })).text) as { providers: Array<{ provider: string, requestCount: number, p50LatencyMs: number | null }> }
    t.match(live.providers.find((provider) => provider.provider === 'groq'), { requestCount: 30, p50LatencyMs: Number }, `/providers/metrics, answer ${index + 1}`)
    const logs = JSON.parse((await send(origin, '/providers/logs?limit=100', { headers: admin })).text) as { logs: Array<{ timestamp: string }> }
    t.equal(logs.logs.length, 30, 'the live log of both workers, newest first')
    t.ok(logs.logs.every((entry, at) => at === 0 || entry.timestamp <= (logs.logs[at - 1] as { timestamp: string }).timestamp))
    const costs = JSON.parse((await send(origin, '/providers/costs', { headers: admin })).text) as { providers: Array<{ provider: string, models: Array<{ requests: number }> }> }
    t.equal(costs.providers.find((provider) => provider.provider === 'groq')?.models[0]?.requests, 30)
  }

  // A slow stream on each worker, then SIGTERM: both finish, then the instance exits 0.
  groq.script = { chunkCount: 20, chunkDelayMs: 50 }
  t.teardown(() => { groq.script = {} })
  const streamBody = JSON.stringify({ model: 'groq:llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'one two three' }], stream: true })
  const streams = Array.from({ length: 4 }, async () => await send(origin, '/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${plain.key}` }, body: streamBody }).catch((error: Error) => ({ status: 0, headers: {}, text: error.message })))
  await new Promise((resolve) => setTimeout(resolve, 200))
  instance.kill('SIGTERM')
  const finished = await Promise.all(streams)
  t.ok(finished.every((stream) => stream.status === 200 && stream.text.endsWith('data: [DONE]\n\n')), 'streams in flight on both workers finish')
  const [code] = await instance.exited
  t.equal(code, 0, 'the instance exits 0 once both workers have drained')
})

function requestsIn (metrics: string): number {
  let total = 0
  for (const line of metrics.split('\n')) if (line.startsWith('switchyard_requests_total{')) total += Number(line.split(' ').at(-1))
  return total
}

t.test('WORKERS: a memory store cannot be shared, a bad count is named, a worker that cannot start stops the start', async (t) => {
  const store = await sqliteStoreUrl(t)
  for (const [env, message] of [
    [{ WORKERS: '2', STORE_URL: 'memory' }, /needs a store every worker shares/],
    [{ WORKERS: 'lots' }, /WORKERS=lots must be a whole number/],
    // A setting only the workers check: they cannot start, and neither does the instance.
    [{ WORKERS: '2', STORE_URL: store, DEFAULT_PROVIDER: 'Not A Name!' }, /exited with code 1 before it was listening/]
  ] as const) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: { PATH: process.env.PATH, PORT: '0', ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const [code] = await once(child, 'exit')
    t.equal(code, 1)
    t.match(stderr, message)
  }
})

t.test('WORKERS=2: a gateway key\'s CLIENT_REQUESTS_PER_MINUTE is one limit for the instance, not one per worker', async (t) => {
  const { origin } = await startInstance(t, { STORE_URL: await sqliteStoreUrl(t), GATEWAY_API_KEYS: 'static-key', CLIENT_REQUESTS_PER_MINUTE: '5' })
  await awayFromWindowEdge()
  const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await chat(origin, 'static-key')).status))
  t.equal(statuses.filter((status) => status === 200).length, 5, '20 at once over both workers: 5 admitted')
  t.equal(statuses.filter((status) => status === 429).length, 15)
  const usage = JSON.parse((await send(origin, '/providers/clients', { headers: admin })).text) as { clients: Array<{ requests: number, limited: number }> }
  t.match(usage.clients, [{ requests: 5, limited: 15 }], '/providers/clients sums both workers')
})

t.test('WORKERS=2: a worker that dies is replaced, and the instance answers on both again', async (t) => {
  const instance = await startInstance(t, { STORE_URL: await sqliteStoreUrl(t) })
  const workers = async (): Promise<number[]> => (await readFile(`/proc/${instance.pid}/task/${instance.pid}/children`, 'utf8')).split(' ').filter((pid) => pid !== '').map(Number)
  const before = await workers()
  t.equal(before.length, 2)
  process.kill(before[0] as number, 'SIGKILL')
  // Killed as soon as the port is open: perhaps while the other is still starting, perhaps the only one
  // listening. Connections in between may be refused or reset; the check waits for the replacement.
  for (;;) {
    const now = await workers()
    if (now.length === 2 && !now.includes(before[0] as number)) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.pass('a new worker took the dead one\'s place')
  const statuses: number[] = []
  for (let index = 0; statuses.length < 10 && index < 200; index++) {
    const answer = await send(instance.origin, '/healthz').catch(() => undefined)
    if (answer !== undefined) statuses.push(answer.status)
    else await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.same(statuses, Array.from({ length: 10 }, () => 200), 'ten new connections, handed to both workers in turn, answered')
})
