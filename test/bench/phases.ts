import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closePools, drive, type Target } from './load.ts'
import { cpuMicros, firstLine, freePort, startNode, waitForPort, type BenchProcess } from './processes.ts'
import { median } from './stats.ts'

// `npm run bench:phases`: chat at c=1 through the floor and the compiled gateway, each with `phase-timer.ts`
// preloaded, in interleaved rounds with direct calls. Prints the added p50 of each and, side by side, where
// each spends its own time on a request: before the provider is called, after it answers, and after the answer
// is written. It shows which part of the c=1 gap sits on the client's critical path.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const ROUNDS = Number(process.env.PHASE_ROUNDS ?? 4)
const PER_SEGMENT = Number(process.env.PHASE_REQUESTS ?? 2000)
const folder = await mkdtemp(join(tmpdir(), 'switchyard-phases-'))
const timer = ['--import', 'tsx', '--import', './test/bench/phase-timer.ts']
execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })

const processes: BenchProcess[] = []
const simulator = startNode('simulator', ['--import', 'tsx', 'test/bench/simulator-process.ts'],
  { SIM_SCRIPT: JSON.stringify({ text: Array.from({ length: 64 }, (_, index) => `w${index}`).join(' '), chunkCount: 64, chunkDelayMs: 2 }) }, ROOT, { announces: true })
processes.push(simulator)
const { url, apiKey } = await firstLine<{ url: string, apiKey: string }>(simulator)

async function start (name: string, args: string[], env: Record<string, string>): Promise<Target> {
  const port = await freePort()
  const child = startNode(name, [...timer, ...args], { ...env, PORT: String(port), PHASE_TIMER_FILE: join(folder, `${name}.json`) }, ROOT)
  processes.push(child)
  await waitForPort(port)
  return { name, origin: `http://127.0.0.1:${port}`, path: '/v1/chat/completions', headers: {}, pid: child.pid }
}

const targets: Target[] = [
  { name: 'direct', origin: new URL(url).origin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${apiKey}` } },
  await start('floor', ['test/bench/floor.ts'], { UPSTREAM_URL: url, UPSTREAM_KEY: apiKey }),
  await start('switchyard', ['dist/src/server.js'], {
    NODE_ENV: 'production', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEFAULT_PROVIDER: 'openai', OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: url
  })
]
const body = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say hello in a few words, please.' }],
  temperature: 0.2
})
const latencies = new Map<string, number[]>(targets.map((target) => [target.name, []]))
const cpu = new Map<string, number>()
for (let round = 0; round <= ROUNDS; round++) {
  for (let offset = 0; offset < targets.length; offset++) {
    const target = targets[(round + offset) % targets.length] as Target
    const before = target.pid === undefined ? 0 : await cpuMicros(target.pid)
    const segment = await drive(target, body, 1, PER_SEGMENT, false)
    if (round === 0) continue
    if (target.pid !== undefined) cpu.set(target.name, (cpu.get(target.name) ?? 0) + await cpuMicros(target.pid) - before)
    latencies.get(target.name)?.push(...segment.latencies)
  }
}
await closePools()
await Promise.all(processes.map((child) => child.stop()))

const p50Ms = (name: string): number => median(latencies.get(name) ?? []) / 1e6
const direct = p50Ms('direct')
const timed = new Map<string, { requests: number, medianUs: Record<string, number> }>()
for (const name of ['floor', 'switchyard']) timed.set(name, JSON.parse(await readFile(join(folder, `${name}.json`), 'utf8')))
await rm(folder, { recursive: true })
const floor = timed.get('floor')
const gateway = timed.get('switchyard')
const row = (label: string, floorValue: number, gatewayValue: number, digits: number): string =>
  `| ${label} | ${floorValue.toFixed(digits)} | ${gatewayValue.toFixed(digits)} | ${(gatewayValue - floorValue).toFixed(digits)} |`
const requests = ROUNDS * PER_SEGMENT
console.log([
  `c=1, ${ROUNDS} rounds of ${PER_SEGMENT} requests per target (after one of warm-up)`,
  '',
  '| median per request | floor | Switchyard | difference |',
  '|---|---:|---:|---:|',
  row('added p50 (ms)', p50Ms('floor') - direct, p50Ms('switchyard') - direct, 3),
  row('CPU, user + system (µs)', (cpu.get('floor') ?? NaN) / requests, (cpu.get('switchyard') ?? NaN) / requests, 0),
  row('request → provider written (µs)', floor?.medianUs.request ?? NaN, gateway?.medianUs.request ?? NaN, 1),
  row('provider answered → client written (µs)', floor?.medianUs.response ?? NaN, gateway?.medianUs.response ?? NaN, 1),
  row('client written → turn over (µs)', floor?.medianUs.after ?? NaN, gateway?.medianUs.after ?? NaN, 1),
  row('turn over → next request (µs)', floor?.medianUs.idle ?? NaN, gateway?.medianUs.idle ?? NaN, 1),
  '',
  'The first two phases are on the client\'s critical path. The third is too when the next request arrives before',
  'the turn is over (last row near zero).'
].join('\n'))
