import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closePools, drive, type Target } from './load.ts'
import { cpuMicros, firstLine, freePort, startNode, waitForPort, type BenchProcess } from './processes.ts'
import { afterTheAnswer, arrivedBetween, HOPS, lineUp, monotonicUs, type ClientMarks, type Hop, type ServedMarks } from './request-timeline.ts'
import { median } from './stats.ts'

// `npm run bench:phases`: chat at c=1 through the floor and the compiled gateway, in interleaved rounds with
// direct calls. The floor, the gateway and the simulator each run with `phase-timer.ts` preloaded, and the driver
// notes its own marks, all on one clock. Prints the added p50 of each and, side by side, every hop of a request:
// client to gateway, the gateway's own work, gateway to provider and back, and back to the client. It shows
// where on the client's critical path the c=1 gap sits, inside the gateway's process or around it.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const ROUNDS = Number(process.env.PHASE_ROUNDS ?? 4)
const PER_SEGMENT = Number(process.env.PHASE_REQUESTS ?? 2000)
const folder = await mkdtemp(join(tmpdir(), 'switchyard-phases-'))
const timer = ['--import', 'tsx', '--import', './test/bench/phase-timer.ts']
execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })

const processes: BenchProcess[] = []
const simulator = startNode('simulator', [...timer, 'test/bench/simulator-process.ts'],
  { PHASE_TIMER_FILE: join(folder, 'simulator.json'), SIM_SCRIPT: JSON.stringify({ text: Array.from({ length: 64 }, (_, index) => `w${index}`).join(' '), chunkCount: 64, chunkDelayMs: 2 }) }, ROOT, { announces: true })
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
    NODE_ENV: 'production', STORE_URL: 'memory', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEFAULT_PROVIDER: 'openai', OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: url
  })
]
const body = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say hello in a few words, please.' }],
  temperature: 0.2
})
const latencies = new Map<string, number[]>(targets.map((target) => [target.name, []]))
const cpu = new Map<string, number>()
const segments: Array<{ name: string, from: number, to: number, marks: ClientMarks[] }> = []
for (let round = 0; round <= ROUNDS; round++) {
  for (let offset = 0; offset < targets.length; offset++) {
    const target = targets[(round + offset) % targets.length] as Target
    const before = target.pid === undefined ? 0 : await cpuMicros(target.pid)
    const marks: ClientMarks[] = []
    const from = monotonicUs()
    const segment = await drive(target, body, 1, PER_SEGMENT, false, marks)
    if (round === 0) continue
    segments.push({ name: target.name, from, to: monotonicUs(), marks })
    if (target.pid !== undefined) cpu.set(target.name, (cpu.get(target.name) ?? 0) + await cpuMicros(target.pid) - before)
    latencies.get(target.name)?.push(...segment.latencies)
  }
}
await closePools()
await Promise.all(processes.map((child) => child.stop()))

const p50Ms = (name: string): number => median(latencies.get(name) ?? []) / 1e6
const direct = p50Ms('direct')
const served = new Map<string, ServedMarks[]>()
for (const name of ['floor', 'switchyard', 'simulator']) served.set(name, JSON.parse(await readFile(join(folder, `${name}.json`), 'utf8')))
await rm(folder, { recursive: true })

// Every request of a floor or gateway segment, hop by hop.
const hops = new Map<string, Record<Hop, number[]>>()
let notLinedUp = 0
for (const { name, from, to, marks } of segments) {
  if (name === 'direct') continue
  const lined = lineUp(marks, arrivedBetween(served.get(name) ?? [], from, to), arrivedBetween(served.get('simulator') ?? [], from, to))
  if (lined === undefined) {
    notLinedUp++
    continue
  }
  const all = hops.get(name)
  if (all === undefined) hops.set(name, lined)
  else for (const hop of Object.keys(HOPS) as Hop[]) all[hop].push(...lined[hop])
}
const floor = afterTheAnswer(served.get('floor') ?? [])
const gateway = afterTheAnswer(served.get('switchyard') ?? [])
const hopMedian = (name: string, hop: Hop): number => median(hops.get(name)?.[hop] ?? [])
const row = (label: string, floorValue: number, gatewayValue: number, digits: number): string =>
  `| ${label} | ${floorValue.toFixed(digits)} | ${gatewayValue.toFixed(digits)} | ${(gatewayValue - floorValue).toFixed(digits)} |`
const requests = ROUNDS * PER_SEGMENT
console.log([
  `c=1, ${ROUNDS} rounds of ${PER_SEGMENT} requests per target (after one of warm-up)` +
    (notLinedUp === 0 ? '' : `; ${notLinedUp} segment(s) could not be lined up across processes and are left out of the hops`),
  '',
  '| median per request | floor | Switchyard | difference |',
  '|---|---:|---:|---:|',
  row('added p50 (ms)', p50Ms('floor') - direct, p50Ms('switchyard') - direct, 3),
  row('CPU, user + system (µs)', (cpu.get('floor') ?? NaN) / requests, (cpu.get('switchyard') ?? NaN) / requests, 0),
  ...(Object.entries(HOPS) as Array<[Hop, string]>).map(([hop, label]) => row(`${label} (µs)`, hopMedian('floor', hop), hopMedian('switchyard', hop), 1)),
  row('client written → turn over (µs)', floor.after, gateway.after, 1),
  row('turn over → next request (µs)', floor.idle, gateway.idle, 1),
  '',
  'The eight hops are the client\'s critical path, in order; "request parsed → provider written" and "provider',
  'answered → client written" are the process\'s own work. The last two rows come after the answer is written;',
  'the next-to-last is on the critical path too when the next request arrives before the turn is over (last row',
  'near zero).'
].join('\n'))
