import { execFileSync } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { firstLine, freePort, rssBytes, startNode, waitForPort, type BenchProcess } from './processes.ts'

// `npm run soak` (SOAK_SECONDS, default 60): a long mixed load against the compiled gateway — chat and streams,
// clients that leave mid-stream, bad requests, a provider that cannot be reached — while sampling the
// gateway's RSS, event-loop lag and open file descriptors. Anthropic Messages requests are translated for the
// OpenAI simulator, so both ingress paths and a translator are in the mix. Memory should level off and descriptors return to
// where they started.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60)
const CONCURRENCY = 24
const processes: BenchProcess[] = []

async function openDescriptors (pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length
}

/** Event-loop lag p99 (ms) and JS heap in use (MB), from the gateway's own /metrics. */
async function processGauges (origin: string): Promise<{ lagMs: number, heapMb: number }> {
  const text = await (await fetch(`${origin}/metrics`)).text()
  const read = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN)
  return { lagMs: read('nodejs_eventloop_lag_p99_seconds') * 1000, heapMb: read('nodejs_heap_size_used_bytes') / 2 ** 20 }
}

try {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
  const simulator = startNode('simulator', ['--import', 'tsx', 'test/bench/simulator-process.ts'], { SIM_SCRIPT: JSON.stringify({ chunkCount: 24, chunkDelayMs: 5 }) }, ROOT, { announces: true })
  processes.push(simulator)
  const { url, apiKey } = await firstLine<{ url: string, apiKey: string }>(simulator)
  const port = await freePort()
  const unreachable = await freePort()
  // A bounded heap makes the collector work instead of growing lazily, so a leak shows as growth to the cap (and
  // then failures), while garbage shows as a plateau.
  const gateway = startNode('gateway', [`--max-old-space-size=${process.env.SOAK_HEAP_MB ?? 128}`, 'dist/src/server.js'], {
    PORT: String(port), STORE_URL: 'memory', LOG_LEVEL: 'error', NODE_ENV: 'production', DEFAULT_PROVIDER: 'openai',
    OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: url,
    GROQ_API_KEY: 'unused', GROQ_BASE_URL: `http://127.0.0.1:${unreachable}/openai/v1`, GROQ_DISPATCH_MODE: 'pooled',
    CONNECT_TIMEOUT_MS: '2000', CIRCUIT_COOLDOWN_MS: '2000'
  }, ROOT)
  processes.push(gateway)
  await waitForPort(port)
  const origin = `http://127.0.0.1:${port}`
  const pool = new Pool(origin, { connections: CONCURRENCY * 2 })
  const counts = { ok: 0, clientAborted: 0, badRequest: 0, failed: 0, other: 0 }
  const message = [{ role: 'user', content: 'Tell me something.' }]
  const kinds = ['chat', 'chat', 'chat', 'chat', 'messages', 'stream', 'stream', 'messages-stream', 'abort', 'bad', 'unreachable'] as const

  async function one (index: number): Promise<void> {
    const kind = kinds[index % kinds.length]
    const anthropic = kind === 'messages' || kind === 'messages-stream'
    const body = kind === 'bad'
      ? '{"model": 42, "messages": "nope"}'
      : JSON.stringify({
        model: kind === 'unreachable' ? 'groq:llama-3.3-70b-versatile' : 'gpt-4o-mini',
        messages: message,
        stream: kind === 'stream' || kind === 'abort' || kind === 'messages-stream',
        ...(anthropic ? { max_tokens: 64 } : {})
      })
    const controller = new AbortController()
    try {
      const response = await pool.request({
        method: 'POST',
        path: anthropic ? '/v1/messages' : '/v1/chat/completions',
        headers: { 'content-type': 'application/json', ...(anthropic ? { 'anthropic-version': '2023-06-01' } : {}) },
        body,
        signal: controller.signal
      })
      if (kind === 'abort') {
        for await (const chunk of response.body) {
          if (chunk.length > 0) break
        }
        controller.abort()
        counts.clientAborted++
        return
      }
      await response.body.text()
      if (response.statusCode === 200) counts.ok++
      else if (response.statusCode === 400) counts.badRequest++
      else if (response.statusCode >= 500) counts.failed++
      else counts.other++
    } catch {
      if (kind === 'abort') counts.clientAborted++
      else counts.other++
    }
  }

  const fdsBefore = await openDescriptors(gateway.pid)
  const deadline = Date.now() + SECONDS * 1000
  let sent = 0
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline) await one(sent++)
  })
  const samples: Array<{ second: number, requests: number, rssMb: number, heapMb: number, lagMs: number, fds: number }> = []
  const started = Date.now()
  const sampler = (async () => {
    while (Date.now() < deadline) {
      await sleep(Math.min(5000, Math.max(1000, (SECONDS * 1000) / 12)))
      samples.push({ second: Math.round((Date.now() - started) / 1000), requests: sent, rssMb: (await rssBytes(gateway.pid)) / 2 ** 20, ...await processGauges(origin), fds: await openDescriptors(gateway.pid) })
    }
  })()
  await Promise.all([...workers, sampler])
  await pool.close()
  // Idle keep-alive sockets to the provider close after undici's keep-alive timeout (4 s); wait them out.
  await sleep(6000)
  const fdsAfter = await openDescriptors(gateway.pid)
  const rssAfter = (await rssBytes(gateway.pid)) / 2 ** 20

  console.log(`\n### Soak: ${SECONDS} s, ${sent} requests at concurrency ${CONCURRENCY}\n`)
  console.log(`ok ${counts.ok}, client left mid-stream ${counts.clientAborted}, bad request ${counts.badRequest}, provider unreachable ${counts.failed}, other ${counts.other}\n`)
  console.log('| second | requests | RSS MB | JS heap used MB | event-loop lag p99 ms | open fds |\n|---:|---:|---:|---:|---:|---:|')
  for (const sample of samples) console.log(`| ${sample.second} | ${sample.requests} | ${sample.rssMb.toFixed(1)} | ${sample.heapMb.toFixed(1)} | ${sample.lagMs.toFixed(1)} | ${sample.fds} |`)
  // RSS swings with the collector, so the trend is a least-squares slope over the samples after warm-up.
  const settled = samples.slice(Math.floor(samples.length / 5))
  const meanX = settled.reduce((sum, sample) => sum + sample.requests, 0) / settled.length
  const meanY = settled.reduce((sum, sample) => sum + sample.rssMb, 0) / settled.length
  const covariance = settled.reduce((sum, sample) => sum + (sample.requests - meanX) * (sample.rssMb - meanY), 0)
  const variance = settled.reduce((sum, sample) => sum + (sample.requests - meanX) ** 2, 0)
  const growth = variance === 0 ? 0 : (covariance / variance) * 10_000
  const range = settled.map((sample) => sample.rssMb)
  const rssAt = (sample: { rssMb: number } | undefined): string => (sample?.rssMb ?? Number.NaN).toFixed(1)
  const secondHalf = samples.slice(Math.floor(samples.length / 2)).map((sample) => sample.rssMb).sort((a, b) => a - b)
  const plateau = secondHalf[Math.floor(secondHalf.length / 2)]
  console.log(`\nRSS: ${rssAt(samples[0])} MB at the first sample, plateau (median of the second half) ${rssAt({ rssMb: plateau ?? Number.NaN })} MB, ${rssAt(samples.at(-1))} MB at the end.`)
  console.log(`RSS after warm-up: ${Math.min(...range).toFixed(1)}–${Math.max(...range).toFixed(1)} MB, trend ${growth.toFixed(2)} MB per 10,000 requests (least squares); ${rssAfter.toFixed(1)} MB after 6 s idle.`)
  console.log(`Open file descriptors: ${fdsBefore} before the load, ${fdsAfter} after it.`)
} finally {
  await Promise.all(processes.map((process) => process.stop()))
}
