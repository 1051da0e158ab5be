import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closePools, drive } from './load.ts'
import { firstLine, freePort, startNode, waitForPort } from './processes.ts'

// `npm run bench:profile [-- stream] [-- floor]`: the compiled gateway (or, with `floor`, the bare pass-through)
// under load with `--cpu-prof`, then the functions that took the most CPU, in µs per request so that a gateway
// profile and a floor profile compare line by line. The .cpuprofile is kept for a flame graph (Chrome DevTools,
// speedscope).

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const stream = process.argv.includes('stream')
const profilingFloor = process.argv.includes('floor')
execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
const folder = await mkdtemp(join(tmpdir(), 'switchyard-profile-'))
const simulator = startNode('simulator', ['--import', 'tsx', 'test/bench/simulator-process.ts'],
  { SIM_SCRIPT: JSON.stringify({ text: 'one two three four five six seven eight', chunkCount: 64, chunkDelayMs: 2 }) }, ROOT, { announces: true })
const { url, apiKey } = await firstLine<{ url: string, apiKey: string }>(simulator)
const port = await freePort()
// PROFILE_NODE_FLAGS adds node/V8 flags, e.g. `--no-turbo-inlining` to see inlined functions' own time.
const profiling = ['--cpu-prof', `--cpu-prof-dir=${folder}`, ...(process.env.PROFILE_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '')]
const gateway = profilingFloor
  ? startNode('floor', [...profiling, '--import', 'tsx', 'test/bench/floor.ts'], { PORT: String(port), UPSTREAM_URL: url, UPSTREAM_KEY: apiKey }, ROOT)
  : startNode('gateway', [...profiling, 'dist/src/server.js'], {
    PORT: String(port), STORE_URL: process.env.PROFILE_STORE_URL ?? 'memory', LOG_LEVEL: 'warn', NODE_ENV: 'production', DEFAULT_PROVIDER: 'openai', OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: url
  }, ROOT)
await waitForPort(port)
// PROFILE_GOVERNED=1: requests carry a virtual key with a rate limit and a budget (with PROFILE_STORE_URL, the
// bench's governed target), made through the admin API.
const headers: Record<string, string> = {}
if (process.env.PROFILE_GOVERNED === '1') {
  const made = await fetch(`http://127.0.0.1:${port}/providers/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'profile', requestsPerMinute: 1e9, budgetDailyUsd: 1e6 }) })
  headers.authorization = `Bearer ${(await made.json() as { key: string }).key}`
}
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }], ...(stream ? { stream: true } : {}) })
const segment = await drive({ name: 'gateway', origin: `http://127.0.0.1:${port}`, path: '/v1/chat/completions', headers }, body, Number(process.env.PROFILE_CONCURRENCY ?? (stream ? 16 : 32)), stream ? 800 : 20_000, stream)
await closePools()
await gateway.stop()
await simulator.stop()

const file = (await readdir(folder)).find((name) => name.endsWith('.cpuprofile'))
if (file === undefined) throw new Error('no profile was written')
const profile = JSON.parse(await readFile(join(folder, file), 'utf8')) as { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }
const selfTime = new Map<number, number>()
profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)))
const byFunction = new Map<string, number>()
let total = 0
for (const node of profile.nodes) {
  const time = selfTime.get(node.id) ?? 0
  total += time
  const where = node.callFrame.url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}`, '')
  const key = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + time)
}
console.log(`${segment.latencies.length} requests, ${segment.errors} errors; profile: ${join(folder, file)}\n`)
const perRequest = (time: number): string => (time / segment.latencies.length).toFixed(2).padStart(7)
console.log(`   %    µs/req  function (idle excluded from µs: ${perRequest(total - (byFunction.get('(idle) :0') ?? 0))} µs per request in all)`)
for (const [key, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 30))) {
  console.log(`${(time / total * 100).toFixed(1).padStart(5)} %  ${perRequest(time)}  ${key}`)
}
