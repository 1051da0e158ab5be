import { readFile } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { closePools, drive } from './load.ts'
import { cpuMicros, firstLine, freePort, startNode, waitForPort } from './processes.ts'

// `npm run bench:workers -- [--workers 2] [--redis]`: the governed gateway (a virtual key with a limit and a
// budget, the SQLite store) at c=64, with the CPU per request of each of its processes (the primary and every
// worker), to see where a cluster's CPU goes. Figures are of all requests served, not of each worker's share.

const { values } = parseArgs({ options: { workers: { type: 'string', default: '2' }, redis: { type: 'boolean', default: false } } })
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
const simulator = startNode('simulator', ['--import', 'tsx', 'test/bench/simulator-process.ts'], { SIM_SCRIPT: JSON.stringify({ text: 'hello there' }), SIM_PROVIDER: 'openai' }, ROOT, { announces: true })
const { url, apiKey } = await firstLine<{ url: string, apiKey: string }>(simulator)
const port = await freePort()
const gateway = startNode('gateway', ['dist/src/server.js'], {
  NODE_ENV: 'production', PORT: String(port), LOG_LEVEL: 'warn', DEFAULT_PROVIDER: 'openai', OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: url,
  STORE_URL: `sqlite:${ROOT}data/bench-workers-${Date.now()}.db`, ADMIN_API_KEY: 'bench', WORKERS: values.workers, SETTINGS_POLL_MS: '200',
  ...(values.redis ? { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: `bench-${Date.now()}:` } : {})
}, ROOT)
await waitForPort(port)
const origin = `http://127.0.0.1:${port}`
const made = await fetch(`${origin}/providers/keys`, { method: 'POST', headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', requestsPerMinute: 1e9, budgetDailyUsd: 1e6 }) })
const { key } = await made.json() as { key: string }
const target = { name: 'governed', origin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` } }
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
// Warm-up, long enough for every worker to have read the key from the store.
await new Promise((resolve) => setTimeout(resolve, 1_000))
await drive(target, body, 64, 2_000, false)
const children = (await readFile(`/proc/${gateway.pid}/task/${gateway.pid}/children`, 'utf8').catch(() => '')).split(' ').filter((pid) => pid !== '').map(Number)
const pids = [gateway.pid, ...children]
const before = await Promise.all(pids.map(cpuMicros))
const segment = await drive(target, body, 64, 10_000, false)
const after = await Promise.all(pids.map(cpuMicros))
const perRequest = pids.map((pid, index) => `${index === 0 && children.length > 0 ? 'primary' : `pid ${pid}`} ${(((after[index] ?? 0) - (before[index] ?? 0)) / segment.latencies.length).toFixed(0)} µs`)
console.log(`WORKERS=${values.workers}${values.redis ? ' with Redis' : ''}: ${(segment.latencies.length / (segment.wallNs / 1e9)).toFixed(0)} req/s, ${segment.errors} errors; CPU per request: ${perRequest.join(', ')}`)
await closePools()
await gateway.stop()
await simulator.stop()
