import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { closePools, drive, type Segment, type Target } from './load.ts'
import { cpuMicros, firstLine, freePort, rssBytes, startNode, treeCpuMicros, waitForPort, type BenchProcess } from './processes.ts'
import { startPortkey } from './portkey.ts'
import { percentile, summarize, type Summary } from './stats.ts'

// `npm run bench [-- --peer portkey] [-- --rounds N]`: the simulator, the floor, Switchyard (metrics on and off)
// and optionally Portkey as separate processes, driven in interleaved rounds so machine noise hits all alike. In
// scenario (a) the JSON floor runs beside them as a reference row.

const { values: options } = parseArgs({
  options: {
    peer: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    out: { type: 'string' },
    /** Only the c=1 and c=32 chat scenarios with metrics on and off: a quick check while optimising. */
    quick: { type: 'boolean', default: false }
  }
})
const ROUNDS = Number(options.rounds)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSX = ['--import', 'tsx']
const STREAM_DELTAS = 64
// 384 streams per target per round, 1,920 in all. With 480, the direct row's own TTFT p99 moved between 7 and
// 15 ms from run to run, and the floor's difference of p99s came out negative in some runs. BENCH_STREAMS
// overrides it, for a quicker look.
const STREAMS_PER_SEGMENT = Number(process.env.BENCH_STREAMS ?? 384)
const words = (count: number): string => Array.from({ length: count }, (_, index) => `w${index}`).join(' ')

const processes: BenchProcess[] = []
async function stopAll (): Promise<void> {
  await closePools()
  await Promise.all(processes.splice(0).map((process) => process.stop()))
}

async function startSimulator (script: Record<string, unknown>, provider = 'openai'): Promise<{ url: string, apiKey: string, process: BenchProcess }> {
  const process = startNode(`${provider} simulator`, [...TSX, 'test/bench/simulator-process.ts'], { SIM_SCRIPT: JSON.stringify(script), SIM_PROVIDER: provider }, ROOT, { announces: true })
  processes.push(process)
  return { ...await firstLine<{ url: string, apiKey: string }>(process), process }
}

async function startGateway (name: string, simulatorUrl: string, simulatorKey: string, env: Record<string, string> = {}): Promise<{ process: BenchProcess, port: number }> {
  const port = await freePort()
  const process = startNode(name, ['dist/src/server.js'], {
    NODE_ENV: 'production',
    STORE_URL: 'memory',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DEFAULT_PROVIDER: 'openai',
    OPENAI_API_KEY: simulatorKey,
    OPENAI_BASE_URL: simulatorUrl,
    ...env
  }, ROOT)
  processes.push(process)
  await waitForPort(port)
  return { process, port }
}

/** A gateway whose requests carry a virtual key (made through the admin API once it is up). */
async function startGovernedGateway (name: string, simulatorUrl: string, simulatorKey: string, file: string, workers: number): Promise<{ process: BenchProcess, port: number, key: string }> {
  const gateway = await startGateway(name, simulatorUrl, simulatorKey, { STORE_URL: `sqlite:${file}`, ADMIN_API_KEY: 'bench-admin', WORKERS: String(workers), SETTINGS_POLL_MS: '200' })
  const origin = `http://127.0.0.1:${gateway.port}`
  const response = await fetch(`${origin}/providers/keys`, {
    method: 'POST',
    headers: { authorization: 'Bearer bench-admin', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', requestsPerMinute: 1_000_000_000, budgetDailyUsd: 1_000_000 })
  })
  if (response.status !== 201) throw new Error(`${name}: making the bench key failed: ${response.status} ${await response.text()}`)
  const { key } = await response.json() as { key: string }
  // Every worker polls the store for keys; wait until a run of requests on new connections is let in.
  for (let inARow = 0; inARow < 10;) {
    const check = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' }, body: chatBody(false) })
    await check.arrayBuffer()
    inARow = check.status === 200 ? inARow + 1 : 0
  }
  return { ...gateway, key }
}

interface Measured { summary: Summary, segments: Segment[], cpuPerRequestByRound: number[] }

/** Runs every target once per round, in a rotating order; round 0 is warm-up and discarded. */
async function interleaved (targets: Target[], body: string, concurrency: number, perSegment: number, stream: boolean): Promise<Map<string, Measured>> {
  const segments = new Map<string, Segment[]>(targets.map((target) => [target.name, []]))
  const cpu = new Map<string, number>(targets.map((target) => [target.name, 0]))
  const cpuByRound = new Map<string, number[]>(targets.map((target) => [target.name, []]))
  for (let round = 0; round <= ROUNDS; round++) {
    for (let offset = 0; offset < targets.length; offset++) {
      const target = targets[(round + offset) % targets.length] as Target
      const cpuOf = target.withChildren === true ? treeCpuMicros : cpuMicros
      const before = target.pid === undefined ? 0 : await cpuOf(target.pid)
      const segment = await drive(target, body, concurrency, perSegment, stream)
      const after = target.pid === undefined ? 0 : await cpuOf(target.pid)
      if (round === 0) continue
      segments.get(target.name)?.push(segment)
      cpu.set(target.name, (cpu.get(target.name) ?? 0) + after - before)
      cpuByRound.get(target.name)?.push((after - before) / Math.max(1, segment.latencies.length))
    }
  }
  return new Map(targets.map((target) => {
    const list = segments.get(target.name) ?? []
    return [target.name, {
      segments: list,
      summary: summarize(list, target.pid === undefined ? null : cpu.get(target.name) ?? 0),
      cpuPerRequestByRound: cpuByRound.get(target.name) ?? []
    }]
  }))
}

function chatBody (stream: boolean): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say hello in a few words, please.' }],
    temperature: 0.2,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {})
  })
}

async function main (): Promise<void> {
  const started = Date.now()
  // Production mode: the compiled JavaScript, not the TypeScript loader the tests use.
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
  const simulator = await startSimulator({ text: words(STREAM_DELTAS), chunkCount: STREAM_DELTAS, chunkDelayMs: 2 })
  const geminiSimulator = await startSimulator({ text: words(STREAM_DELTAS), chunkCount: STREAM_DELTAS, chunkDelayMs: 2 }, 'gemini')
  const simulatorOrigin = new URL(simulator.url).origin
  const floorPort = await freePort()
  const floor = startNode('floor', [...TSX, 'test/bench/floor.ts'], { PORT: String(floorPort), UPSTREAM_URL: simulator.url, UPSTREAM_KEY: simulator.apiKey }, ROOT)
  processes.push(floor)
  const jsonFloorPort = await freePort()
  const jsonFloor = startNode('json floor', [...TSX, 'test/bench/json-floor.ts'], { PORT: String(jsonFloorPort), UPSTREAM_URL: simulator.url, UPSTREAM_KEY: simulator.apiKey }, ROOT)
  processes.push(jsonFloor)
  await waitForPort(floorPort)
  await waitForPort(jsonFloorPort)
  const gateway = await startGateway('switchyard', simulator.url, simulator.apiKey, { GEMINI_API_KEY: geminiSimulator.apiKey, GEMINI_BASE_URL: geminiSimulator.url })
  const bare = await startGateway('switchyard-metrics-off', simulator.url, simulator.apiKey, { METRICS: 'off' })
  // The same gateway keeping its history in a SQLite file (the default store), against the others' memory store.
  const storeFolder = await mkdtemp(join(tmpdir(), 'switchyard-bench-store-'))
  const withStore = await startGateway('switchyard-sqlite', simulator.url, simulator.apiKey, { STORE_URL: `sqlite:${join(storeFolder, 'bench.db')}` })
  // Governed: a virtual key with a rate limit too high to trigger and a budget, the SQLite store and metrics on;
  // once as one process, once as WORKERS=2.
  const governed = await startGovernedGateway('switchyard-governed', simulator.url, simulator.apiKey, join(storeFolder, 'governed.db'), 1)
  const governedTwo = await startGovernedGateway('switchyard-governed-2w', simulator.url, simulator.apiKey, join(storeFolder, 'governed-2w.db'), 2)
  // Idle memory from a gateway that never serves a request: 1 s after start-up, and again after the other
  // scenarios, once V8 has had time to give back what start-up took (its memory reducer runs after some
  // seconds of low allocation, 15–25 s here). Only the second is a gateway at rest.
  const idleGateway = await startGateway('switchyard-idle', simulator.url, simulator.apiKey, { GEMINI_API_KEY: geminiSimulator.apiKey, GEMINI_BASE_URL: geminiSimulator.url })
  const idleStartedAt = Date.now()
  await sleep(1000)
  const rssIdle = await rssBytes(idleGateway.process.pid)

  const direct: Target = { name: 'direct', origin: simulatorOrigin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${simulator.apiKey}` } }
  const floorTarget: Target = { name: 'floor', origin: `http://127.0.0.1:${floorPort}`, path: '/v1/chat/completions', headers: {}, pid: floor.pid }
  // A reference row, not a target: how much of the gap to the floor the JSON round trips alone make.
  const jsonFloorTarget: Target = { name: 'json floor', origin: `http://127.0.0.1:${jsonFloorPort}`, path: '/v1/chat/completions', headers: {}, pid: jsonFloor.pid }
  const switchyard: Target = { name: 'switchyard', origin: `http://127.0.0.1:${gateway.port}`, path: '/v1/chat/completions', headers: {}, pid: gateway.process.pid }
  const metricsOff: Target = { name: 'switchyard (metrics off)', origin: `http://127.0.0.1:${bare.port}`, path: '/v1/chat/completions', headers: {}, pid: bare.process.pid }
  const sqliteStore: Target = { name: 'switchyard (sqlite store)', origin: `http://127.0.0.1:${withStore.port}`, path: '/v1/chat/completions', headers: {}, pid: withStore.process.pid }
  const governedTarget: Target = { name: 'switchyard (governed)', origin: `http://127.0.0.1:${governed.port}`, path: '/v1/chat/completions', headers: { authorization: `Bearer ${governed.key}` }, pid: governed.process.pid }
  const governedTwoTarget: Target = { name: 'switchyard (governed, 2 workers)', origin: `http://127.0.0.1:${governedTwo.port}`, path: '/v1/chat/completions', headers: { authorization: `Bearer ${governedTwo.key}` }, pid: governedTwo.process.pid, withChildren: true }
  const peers: Target[] = []
  if (options.peer === 'portkey') {
    const port = await freePort()
    const portkey = await startPortkey(port)
    processes.push(portkey)
    peers.push({
      name: 'portkey',
      origin: `http://127.0.0.1:${port}`,
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${simulator.apiKey}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': simulator.url },
      pid: portkey.pid
    })
  } else if (options.peer !== undefined) {
    throw new Error(`unknown peer ${options.peer}: only portkey is supported`)
  }

  const results: Record<string, Record<string, Summary>> = {}
  // The metrics plugin's share of CPU, one paired figure per round (on and off ran back to back), so that
  // machine noise between rounds cancels out; the report takes the median.
  const metricsShares: number[] = []
  const record = (scenario: string, measured: Map<string, Measured>): void => {
    results[scenario] = Object.fromEntries([...measured].map(([name, value]) => [name, value.summary]))
    const on = measured.get(switchyard.name)?.cpuPerRequestByRound ?? []
    const off = measured.get(metricsOff.name)?.cpuPerRequestByRound
    if (off !== undefined) on.forEach((value, round) => metricsShares.push(1 - (off[round] ?? NaN) / value))
    process.stderr.write(`done: ${scenario}\n`)
  }

  const nonStream = chatBody(false)
  if (options.quick) {
    record('a: chat, c=1', await interleaved([direct, floorTarget, jsonFloorTarget, switchyard, metricsOff], nonStream, 1, 1000, false))
    record('a: chat, c=32', await interleaved([direct, floorTarget, jsonFloorTarget, switchyard, metricsOff, sqliteStore, governedTarget], nonStream, 32, 2000, false))
    record('a: chat, c=64', await interleaved([floorTarget, governedTarget, governedTwoTarget], nonStream, 64, 2000, false))
    await rm(storeFolder, { recursive: true, force: true })
    for (const [scenario, byTarget] of Object.entries(results)) {
      process.stdout.write(`${scenario}\n`)
      const directP50 = byTarget.direct?.p50 ?? Number.NaN
      for (const [name, summary] of Object.entries(byTarget)) {
        const added = name === 'direct' ? '' : `  added p50 ${(summary.p50 - directP50).toFixed(3)} ms`
        process.stdout.write(`  ${name.padEnd(26)} ${summary.rps.toFixed(0).padStart(6)} req/s  ${summary.cpuPerRequestUs?.toFixed(0) ?? '—'} µs CPU/req  p50 ${summary.p50.toFixed(3)} ms${added}\n`)
      }
    }
    return
  }
  record('a: chat, c=1', await interleaved([direct, floorTarget, jsonFloorTarget, switchyard, ...peers], nonStream, 1, 300, false))
  record('a: chat, c=32', await interleaved([direct, floorTarget, jsonFloorTarget, switchyard, metricsOff, sqliteStore, governedTarget, ...peers], nonStream, 32, 2000, false))
  record('a: chat, c=64', await interleaved([direct, floorTarget, switchyard, metricsOff, governedTarget, governedTwoTarget, ...peers], nonStream, 64, 2000, false))
  await rm(storeFolder, { recursive: true, force: true })
  record(`b: stream ${STREAM_DELTAS} deltas 2 ms apart, c=16`, await interleaved([direct, floorTarget, switchyard, ...peers], chatBody(true), 16, STREAMS_PER_SEGMENT, true))
  // (d) translation cost: an Anthropic Messages request translated to Gemini and back, against an OpenAI
  // request passed to an OpenAI-shaped provider, on the same gateway process.
  const anthropicToGemini: Target = {
    name: 'anthropic→gemini',
    origin: switchyard.origin,
    path: '/v1/messages',
    headers: { 'anthropic-version': '2023-06-01' },
    pid: gateway.process.pid,
    body: JSON.stringify({ model: 'gemini:gemini-2.5-flash', max_tokens: 256, system: 'You are terse.', messages: [{ role: 'user', content: 'Say hello in a few words, please.' }], temperature: 0.2 })
  }
  record('d: translation, c=32', await interleaved([{ ...switchyard, name: 'openai→openai' }, anthropicToGemini], nonStream, 32, 1000, false))
  await sleep(Math.max(0, IDLE_SETTLE_MS - (Date.now() - idleStartedAt)))
  const idle: IdleMemory = { atStartUp: rssIdle, settled: await rssBytes(idleGateway.process.pid), settledAfterS: (Date.now() - idleStartedAt) / 1000 }
  await stopAll()

  const longStreams = await scenarioLongStreams()
  // The metrics plugin's own CPU per request, measured in-process (no network noise), as a share of the gateway's.
  const accounting = execFileSync(process.execPath, [...TSX, 'test/bench/metrics-accounting.ts'], { cwd: ROOT }).toString()
  const accountingUs = Number(/([\d.]+) µs CPU per request/.exec(accounting)?.[1] ?? NaN)
  const report = buildReport(results, idle, longStreams, peers.length > 0, metricsShares, accountingUs)
  process.stdout.write(report.markdown)
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim()
  const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform }
  const file = options.out ?? `test/bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}-${commit}.json`
  await mkdir(new URL('results/', import.meta.url), { recursive: true })
  await writeFile(resolve(ROOT, file), `${JSON.stringify({ commit, machine, rounds: ROUNDS, durationS: (Date.now() - started) / 1000, results, rssIdle, rssIdleSettled: idle.settled, idleSettledAfterS: idle.settledAfterS, longStreams, metricsAccountingUs: accountingUs, metricsShares, targets: report.targets }, null, 2)}\n`)
  process.stdout.write(`\nJSON: ${file}\n`)
}

/** The idle gateway is read again no sooner than this after its start. */
const IDLE_SETTLE_MS = 40_000

interface IdleMemory { atStartUp: number, settled: number, settledAfterS: number }

interface LongStreams { streams: number, maxOpen: number, errors: number, incomplete: number, rssPeak: number, seconds: number }

/** Scenario (c): 256 streams held open at once through Switchyard, each about 1.6 s long. */
async function scenarioLongStreams (): Promise<LongStreams> {
  const streams = 256
  const simulator = await startSimulator({ text: words(STREAM_DELTAS), chunkCount: STREAM_DELTAS, chunkDelayMs: 25 })
  const gateway = await startGateway('switchyard', simulator.url, simulator.apiKey)
  const target: Target = { name: 'switchyard', origin: `http://127.0.0.1:${gateway.port}`, path: '/v1/chat/completions', headers: {} }
  await drive(target, chatBody(false), 4, 20, false)
  let rssPeak = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      rssPeak = Math.max(rssPeak, await rssBytes(gateway.process.pid))
      await sleep(100)
    }
  })()
  const begin = process.hrtime.bigint()
  const results = await Promise.all(Array.from({ length: streams }, async () => await drive(target, chatBody(true), 1, 1, true)))
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9
  sampling = false
  await sampler
  // Every stream is open from its start to its end; the most open at once is where those intervals overlap most.
  const firstEnd = Math.min(...results.map((segment) => segment.latencies[0] ?? Number.POSITIVE_INFINITY))
  const lastFirstByte = Math.max(...results.map((segment) => segment.ttfts[0] ?? 0))
  const maxOpen = lastFirstByte < firstEnd ? streams : results.filter((segment) => (segment.ttfts[0] ?? Infinity) < firstEnd).length
  await stopAll()
  return {
    streams,
    maxOpen,
    errors: results.reduce((sum, segment) => sum + segment.errors, 0),
    incomplete: results.reduce((sum, segment) => sum + segment.incomplete, 0),
    rssPeak,
    seconds
  }
}

interface TargetCheck { target: string, measured: string, pass: boolean | null }

function buildReport (results: Record<string, Record<string, Summary>>, idle: IdleMemory, longStreams: LongStreams, withPeer: boolean, metricsShares: number[], accountingUs: number): { markdown: string, targets: TargetCheck[] } {
  const lines: string[] = []
  const fmt = (value: number | null | undefined, digits = 3): string => value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits)
  for (const [scenario, byTarget] of Object.entries(results)) {
    const direct = byTarget.direct
    const stream = scenario.startsWith('b')
    lines.push(`\n### ${scenario}\n`)
    lines.push(stream
      ? '| target | added TTFT p50 ms | added TTFT p99 ms | added total p50 ms | added total p99 ms | CPU µs/stream | CPU µs/chunk | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|'
      : '| target | added p50 ms | added p90 ms | added p99 ms | req/s | CPU µs/req | errors |\n|---|---:|---:|---:|---:|---:|---:|')
    for (const [name, summary] of Object.entries(byTarget)) {
      if (summary.errors + summary.incomplete >= summary.requests) {
        lines.push(`| ${name} | every request failed (${summary.errors} errors) |${' |'.repeat(stream ? 6 : 5)}`)
        continue
      }
      const added = (value: number | null, base: number | null | undefined): string => name === 'direct' || base === undefined ? fmt(value) + ' (abs)' : fmt(value === null || base === null ? null : value - base)
      lines.push(stream
        ? `| ${name} | ${added(summary.ttftP50, direct?.ttftP50)} | ${added(summary.ttftP99, direct?.ttftP99)} | ${added(summary.p50, direct?.p50)} | ${added(summary.p99, direct?.p99)} | ${fmt(summary.cpuPerRequestUs, 0)} | ${fmt(summary.cpuPerRequestUs === null ? null : summary.cpuPerRequestUs / (STREAM_DELTAS + 3), 1)} | ${summary.errors + summary.incomplete} |`
        : `| ${name} | ${added(summary.p50, direct?.p50)} | ${added(summary.p90, direct?.p90)} | ${added(summary.p99, direct?.p99)} | ${fmt(summary.rps, 0)} | ${fmt(summary.cpuPerRequestUs, 0)} | ${summary.errors} |`)
    }
  }
  lines.push('\n### c: 256 concurrent long streams through Switchyard\n')
  lines.push(`| streams | most open at once | errors | incomplete | RSS peak MB | seconds |\n|---:|---:|---:|---:|---:|---:|`)
  lines.push(`| ${longStreams.streams} | ${longStreams.maxOpen} | ${longStreams.errors} | ${longStreams.incomplete} | ${fmt(longStreams.rssPeak / 2 ** 20, 1)} | ${fmt(longStreams.seconds, 2)} |`)
  lines.push('\n### Idle memory (a gateway with OpenAI and Gemini enabled that serves nothing)\n')
  lines.push(`| RSS 1 s after start-up MB | RSS ${fmt(idle.settledAfterS, 0)} s after start-up MB |\n|---:|---:|`)
  lines.push(`| ${fmt(idle.atStartUp / 2 ** 20, 1)} | ${fmt(idle.settled / 2 ** 20, 1)} |`)

  const targets = checkTargets(results, idle, longStreams, withPeer, metricsShares, accountingUs)
  lines.push('\n### Targets (ratios within this run)\n\n| target | measured | pass |\n|---|---|---|')
  for (const check of targets) lines.push(`| ${check.target} | ${check.measured} | ${check.pass === null ? 'n/a' : check.pass ? 'yes' : '**no**'} |`)
  return { markdown: `${lines.join('\n')}\n`, targets }
}

function checkTargets (results: Record<string, Record<string, Summary>>, idle: IdleMemory, longStreams: LongStreams, withPeer: boolean, metricsShares: number[], accountingUs: number): TargetCheck[] {
  const checks: TargetCheck[] = []
  const ratio = (value: number, base: number): string => `${(value / base).toFixed(2)}×`
  const c1 = results['a: chat, c=1'] ?? {}
  const c32 = results['a: chat, c=32'] ?? {}
  const c64 = results['a: chat, c=64'] ?? {}
  const streams = Object.entries(results).find(([name]) => name.startsWith('b'))?.[1] ?? {}
  const added = (set: Record<string, Summary>, name: string, key: 'p50' | 'p99' | 'ttftP99'): number => (set[name]?.[key] ?? NaN) - (set.direct?.[key] ?? NaN)
  // An "added" figure is a difference of two noisy percentiles, and can come out at or below zero; a ratio to
  // such a floor means nothing, so it is reported as such instead of as a pass.
  const addedCheck = (target: string, set: Record<string, Summary>, key: 'p50' | 'p99' | 'ttftP99', limit: number): TargetCheck => {
    const ours = added(set, 'switchyard', key)
    const floor = added(set, 'floor', key)
    const values = `${(ours * 1000).toFixed(0)} vs ${(floor * 1000).toFixed(0)} µs`
    if (!(floor > 0)) return { target, measured: `n/a: the floor's added value was ≤ 0 in this run (${values})`, pass: null }
    return { target, measured: `${ratio(Math.max(0, ours), floor)} (${values})`, pass: ours / floor <= limit }
  }
  checks.push(addedCheck('c=1 added p50 ≤ 1.5× floor', c1, 'p50', 1.5))
  const jsonFloorP50 = added(c1, 'json floor', 'p50')
  const floorP50 = added(c1, 'floor', 'p50')
  checks.push({
    target: 'reference, no target: the JSON floor\'s c=1 added p50',
    measured: floorP50 > 0 ? `${ratio(jsonFloorP50, floorP50)} the floor's (${(jsonFloorP50 * 1000).toFixed(0)} µs)` : `${(jsonFloorP50 * 1000).toFixed(0)} µs; the floor's was ≤ 0`,
    pass: null
  })
  checks.push(addedCheck('c=1 added p99 ≤ 1.5× floor', c1, 'p99', 1.5))
  const rps = (c32.switchyard?.rps ?? 0) / (c32.floor?.rps ?? 1)
  checks.push({ target: 'c=32 req/s ≥ 0.75× floor', measured: `${rps.toFixed(2)}× (${(c32.switchyard?.rps ?? 0).toFixed(0)} vs ${(c32.floor?.rps ?? 0).toFixed(0)})`, pass: rps >= 0.75 })
  const peerRps = (c32.switchyard?.rps ?? 0) / (c32.portkey?.rps ?? NaN)
  checks.push({ target: 'c=32 req/s ≥ 5× Portkey', measured: withPeer ? `${peerRps.toFixed(2)}×` : 'run with --peer portkey', pass: withPeer ? peerRps >= 5 : null })
  const cpu = (c32.switchyard?.cpuPerRequestUs ?? 0) / (c32.floor?.cpuPerRequestUs ?? 1)
  const stored = c32['switchyard (sqlite store)']
  const storeRps = (stored?.rps ?? 0) / (c32.switchyard?.rps ?? 1)
  const storeCpu = (stored?.cpuPerRequestUs ?? Number.NaN) / (c32.switchyard?.cpuPerRequestUs ?? Number.NaN)
  checks.push({ target: 'SQLite store: c=32 req/s ≥ 0.95× memory store', measured: `${storeRps.toFixed(2)}× (${(stored?.rps ?? 0).toFixed(0)} vs ${(c32.switchyard?.rps ?? 0).toFixed(0)})`, pass: storeRps >= 0.95 })
  checks.push({ target: 'SQLite store: c=32 CPU/request ≤ 1.08× memory store', measured: `${storeCpu.toFixed(2)}× (${(stored?.cpuPerRequestUs ?? 0).toFixed(0)} vs ${(c32.switchyard?.cpuPerRequestUs ?? 0).toFixed(0)} µs)`, pass: storeCpu <= 1.08 })
  const governedC32 = c32['switchyard (governed)']
  const governedRps = (governedC32?.rps ?? 0) / (c32.floor?.rps ?? 1)
  const governedCpu = (governedC32?.cpuPerRequestUs ?? Number.NaN) / (c32.floor?.cpuPerRequestUs ?? Number.NaN)
  checks.push({ target: 'governed: c=32 req/s ≥ 0.7× floor', measured: `${governedRps.toFixed(2)}× (${(governedC32?.rps ?? 0).toFixed(0)} vs ${(c32.floor?.rps ?? 0).toFixed(0)})`, pass: governedRps >= 0.7 })
  checks.push({ target: 'governed: c=32 CPU/request ≤ 1.6× floor', measured: `${governedCpu.toFixed(2)}× (${(governedC32?.cpuPerRequestUs ?? 0).toFixed(0)} vs ${(c32.floor?.cpuPerRequestUs ?? 0).toFixed(0)} µs)`, pass: governedCpu <= 1.6 })
  const twoWorkers = (c64['switchyard (governed, 2 workers)']?.rps ?? 0) / (c64['switchyard (governed)']?.rps ?? Number.NaN)
  checks.push({ target: 'governed, WORKERS=2: c=64 req/s ≥ 1.3× one worker', measured: `${twoWorkers.toFixed(2)}× (${(c64['switchyard (governed, 2 workers)']?.rps ?? 0).toFixed(0)} vs ${(c64['switchyard (governed)']?.rps ?? 0).toFixed(0)})`, pass: twoWorkers >= 1.3 })
  checks.push({ target: 'c=32 CPU/request ≤ 1.5× floor', measured: `${cpu.toFixed(2)}× (${(c32.switchyard?.cpuPerRequestUs ?? 0).toFixed(0)} vs ${(c32.floor?.cpuPerRequestUs ?? 0).toFixed(0)} µs)`, pass: cpu <= 1.5 })
  checks.push(addedCheck('streams added TTFT p99 ≤ 1.5× floor', streams, 'ttftP99', 1.5))
  const chunkCpu = (streams.switchyard?.cpuPerRequestUs ?? 0) / (streams.floor?.cpuPerRequestUs ?? 1)
  checks.push({ target: 'CPU per streamed chunk ≤ 2× floor', measured: `${chunkCpu.toFixed(2)}×`, pass: chunkCpu <= 2 })
  checks.push({ target: '≥ 256 concurrent streams, no error, no stall', measured: `${longStreams.maxOpen} open at once, ${longStreams.errors} errors, ${longStreams.incomplete} incomplete`, pass: longStreams.maxOpen >= 256 && longStreams.errors === 0 && longStreams.incomplete === 0 })
  checks.push({
    target: 'RSS idle ≤ 90 MB',
    measured: `${(idle.settled / 2 ** 20).toFixed(1)} MB at rest, ${idle.settledAfterS.toFixed(0)} s after start-up (${(idle.atStartUp / 2 ** 20).toFixed(1)} MB 1 s after it)`,
    pass: idle.settled <= 90 * 2 ** 20
  })
  checks.push({ target: 'RSS under (c) ≤ 150 MB', measured: `${(longStreams.rssPeak / 2 ** 20).toFixed(1)} MB`, pass: longStreams.rssPeak <= 150 * 2 ** 20 })
  const pooled = [c32, c64].map((set) => 1 - (set['switchyard (metrics off)']?.cpuPerRequestUs ?? NaN) / (set.switchyard?.cpuPerRequestUs ?? NaN))
  const share = percentile([...metricsShares].sort((a, b) => a - b), 50)
  const inProcess = accountingUs / (c32.switchyard?.cpuPerRequestUs ?? NaN)
  checks.push({
    target: 'metrics plugin < 5 % of gateway CPU',
    measured: `${(inProcess * 100).toFixed(1)} % in-process (${accountingUs.toFixed(1)} µs of ${(c32.switchyard?.cpuPerRequestUs ?? 0).toFixed(0)} µs); ` +
      `on/off instances: median ${(share * 100).toFixed(1)} % of ${metricsShares.length} paired rounds, pooled c=32 ${((pooled[0] ?? NaN) * 100).toFixed(1)} %, c=64 ${((pooled[1] ?? NaN) * 100).toFixed(1)} % (noise ±6 %)`,
    pass: inProcess < 0.05
  })
  const translation = results['d: translation, c=32'] ?? {}
  const translationCpu = (translation['anthropic→gemini']?.cpuPerRequestUs ?? NaN) / (translation['openai→openai']?.cpuPerRequestUs ?? NaN)
  checks.push({ target: 'Anthropic→Gemini ≤ 1.5× CPU of OpenAI pass-through', measured: `${translationCpu.toFixed(2)}× (${(translation['anthropic→gemini']?.cpuPerRequestUs ?? 0).toFixed(0)} vs ${(translation['openai→openai']?.cpuPerRequestUs ?? 0).toFixed(0)} µs)`, pass: translationCpu <= 1.5 })
  return checks
}

try {
  await main()
} finally {
  await stopAll()
}
