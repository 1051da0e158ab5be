import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { closePools, drive, type Target } from './load.ts'
import { cpuMicros, firstLine, freePort, startNode, waitForPort, type BenchProcess } from './processes.ts'

// `npm run bench:ab -- <rev> [--stream] [--rounds N] [--concurrency C] [--requests N] [--log-level L]
// [--base-log-level L]`: the gateway built at a git revision against the working tree's build, side by side
// against one simulator, in alternating rounds, so that a change's effect on CPU per request is measured in one
// run rather than across two noisy ones. Both log at `warn` unless told; `--base-log-level` sets the base's
// alone (`-- HEAD --log-level info --base-log-level warn` is what logging at info costs).

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stream: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '8' },
    concurrency: { type: 'string' },
    requests: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    'base-log-level': { type: 'string' }
  }
})
const baseRevision = positionals[0] ?? 'HEAD'
const stream = options.stream
const rounds = Number(options.rounds)
const concurrency = Number(options.concurrency ?? (stream ? 16 : 32))
const perSegment = Number(options.requests ?? (stream ? 160 : 5000))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A clean checkout of `revision` next to the repository's node_modules, compiled. */
function buildRevision (revision: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'switchyard-ab-'))
  execFileSync('git', ['worktree', 'add', '--detach', folder, revision], { cwd: ROOT, stdio: 'ignore' })
  symlinkSync(join(ROOT, 'node_modules'), join(folder, 'node_modules'))
  execFileSync('npm', ['run', '-s', 'build'], { cwd: folder, stdio: 'inherit' })
  return folder
}

const processes: BenchProcess[] = []
const baseFolder = buildRevision(baseRevision)
try {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
  const simulator = startNode('simulator', ['--import', 'tsx', 'test/bench/simulator-process.ts'],
    { SIM_SCRIPT: JSON.stringify({ text: Array.from({ length: 64 }, (_, index) => `w${index}`).join(' '), chunkCount: 64, chunkDelayMs: 2 }) }, ROOT, { announces: true })
  processes.push(simulator)
  const { url, apiKey } = await firstLine<{ url: string, apiKey: string }>(simulator)
  const start = async (name: string, folder: string, logLevel: string): Promise<Target> => {
    const port = await freePort()
    const gateway = startNode(name, [join(folder, 'dist/src/server.js')], {
      NODE_ENV: 'production', STORE_URL: 'memory', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: logLevel, DEFAULT_PROVIDER: 'openai', OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: url
    }, folder)
    processes.push(gateway)
    await waitForPort(port)
    return { name, origin: `http://127.0.0.1:${port}`, path: '/v1/chat/completions', headers: {}, pid: gateway.pid }
  }
  const logLevel = options['log-level']
  const baseLogLevel = options['base-log-level'] ?? logLevel
  const label = (name: string, level: string): string => level === 'warn' ? name : `${name} (${level})`
  const targets = [await start(label(`base ${baseRevision}`, baseLogLevel), baseFolder, baseLogLevel), await start(label('working tree', logLevel), ROOT, logLevel)]
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }], ...(stream ? { stream: true } : {}) })
  const perRequest = new Map<string, number[]>(targets.map((target) => [target.name, []]))
  for (let round = 0; round <= rounds; round++) {
    for (let offset = 0; offset < targets.length; offset++) {
      const target = targets[(round + offset) % targets.length] as Target
      const pid = target.pid as number
      const before = await cpuMicros(pid)
      const segment = await drive(target, body, concurrency, perSegment, stream)
      const used = await cpuMicros(pid) - before
      if (segment.errors > 0) throw new Error(`${target.name}: ${segment.errors} errors`)
      // Round 0 warms both up and is discarded.
      if (round > 0) perRequest.get(target.name)?.push(used / segment.latencies.length)
    }
  }
  const [base, work] = targets.map((target) => perRequest.get(target.name) ?? [])
  const ratios = (work ?? []).map((value, index) => value / ((base ?? [])[index] ?? NaN)).sort((a, b) => a - b)
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
  const unit = stream ? 'stream' : 'request'
  for (const target of targets) {
    const values = perRequest.get(target.name) ?? []
    console.log(`${target.name.padEnd(24)} CPU µs per ${unit}: median ${median(values).toFixed(1)}  rounds ${values.map((value) => value.toFixed(0)).join(' ')}`)
  }
  console.log(`working tree / base, per round: median ${median(ratios).toFixed(3)}  range ${ratios[0]?.toFixed(3)}–${ratios[ratios.length - 1]?.toFixed(3)}`)
} finally {
  await closePools()
  await Promise.all(processes.map(async (process) => { await process.stop() }))
  if (existsSync(baseFolder)) {
    execFileSync('git', ['worktree', 'remove', '--force', baseFolder], { cwd: ROOT, stdio: 'ignore' })
    rmSync(baseFolder, { recursive: true, force: true })
  }
}
