import { parseArgs } from 'node:util'
import { randomUUID } from 'node:crypto'
import { openStore, parseStoreUrl } from '../../src/store/open-store.ts'
import type { StoredRequest } from '../../src/store/store.ts'

// `npm run store:seed -- --rows 10000000 [--store sqlite:./data/seed.db] [--days 30] [--keys 20]`: fills a store
// with realistic finished requests, spread evenly over the last `days` (providers and models weighted the way
// traffic concentrates, a few keys doing most of it, latency long-tailed, 2 % errors, a third streamed), through
// the store's own write path, so that rollups and raw rows agree. Used by the scale measurements and the dashboard.

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    store: { type: 'string', default: process.env.STORE_URL ?? 'sqlite:./data/seed.db' },
    days: { type: 'string', default: '30' },
    keys: { type: 'string', default: '20' },
    batch: { type: 'string', default: '5000' }
  }
})
const ROWS = Number(values.rows)
const DAYS = Number(values.days)
const KEYS = Number(values.keys)
const BATCH = Number(values.batch)

const MODELS: ReadonlyArray<readonly [provider: string, model: string, weight: number, input: number, output: number]> = [
  ['gemini', 'gemini-2.5-flash', 30, 0.3, 2.5],
  ['gemini', 'gemini-2.5-pro', 6, 1.25, 10],
  ['openai', 'gpt-4o-mini', 20, 0.15, 0.6],
  ['openai', 'gpt-4o', 6, 2.5, 10],
  ['anthropic', 'claude-sonnet-4-5', 10, 3, 15],
  ['anthropic', 'claude-haiku-4-5', 6, 1, 5],
  ['groq', 'llama-3.3-70b-versatile', 8, 0.59, 0.79],
  ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 5, 0.88, 0.88],
  ['mistral', 'mistral-small-latest', 5, 0.1, 0.3],
  ['cohere', 'command-r-08-2024', 4, 0.15, 0.6]
]
const TOTAL_WEIGHT = MODELS.reduce((sum, [, , weight]) => sum + weight, 0)
const keyIds = Array.from({ length: KEYS }, (_, index) => `key:${(index * 2654435761 % 2 ** 32).toString(16).padStart(12, '0').slice(0, 12)}`)

function pick<T> (items: readonly T[], weightOf: (item: T) => number, total: number): T {
  let roll = Math.random() * total
  for (const item of items) {
    roll -= weightOf(item)
    if (roll <= 0) return item
  }
  return items[items.length - 1] as T
}

function row (timestampMs: number): StoredRequest {
  const [provider, model, , input, output] = pick(MODELS, (entry) => entry[2], TOTAL_WEIGHT)
  // Zipf-like: the first keys do most of the traffic.
  const keyId = keyIds[Math.min(KEYS - 1, Math.floor(KEYS * Math.random() ** 3))] as string
  const success = Math.random() >= 0.02
  const stream = Math.random() < 0.33
  const tokensIn = success ? Math.round(50 + Math.random() ** 2 * 4000) : 0
  const tokensOut = success ? Math.round(10 + Math.random() ** 2 * 1500) : 0
  const latencyMs = Math.exp(5.5 + Math.random() * 2.5 + (Math.random() < 0.02 ? 2 : 0))
  const status = success ? 200 : pick([429, 500, 502, 503, 504, 400], () => 1, 6)
  return {
    id: randomUUID(),
    requestId: randomUUID(),
    timestampMs,
    provider,
    model,
    endpoint: Math.random() < 0.85 ? '/v1/chat/completions' : '/v1/messages',
    ingress: 'openai',
    stream,
    tokensIn,
    tokensOut,
    cachedTokensIn: Math.random() < 0.2 ? Math.round(tokensIn / 2) : 0,
    reasoningTokens: 0,
    latencyMs,
    timeToFirstTokenMs: stream && success ? latencyMs * (0.05 + Math.random() * 0.2) : null,
    cost: (tokensIn * input + tokensOut * output) / 1e6,
    costSource: 'seed',
    success,
    statusCode: status,
    errorMessage: success ? null : `status ${status}`,
    errorKind: success ? null : status === 429 ? 'rate_limited' : status === 400 ? 'invalid_request' : 'upstream_error',
    attempts: `${provider}:${status}`,
    keyId,
    queuedMs: null,
    queueRefusal: null, softFailure: null, experiment: null, arm: null
  }
}

const store = await openStore(parseStoreUrl(values.store), {
  batchSize: BATCH,
  intervalMs: 1_000_000,
  maxQueued: BATCH * 4,
  onTrouble: (error) => { throw error },
  onRecovered: () => {}
})
const end = Date.now()
const start = end - DAYS * 86_400_000
const step = (end - start) / ROWS
const began = performance.now()
for (let index = 0; index < ROWS; index++) {
  store.append(row(Math.floor(start + index * step)))
  if ((index + 1) % BATCH === 0) {
    await store.flush(600_000)
    if ((index + 1) % (BATCH * 100) === 0) {
      const seconds = (performance.now() - began) / 1000
      console.log(`${index + 1} rows in ${seconds.toFixed(0)} s (${Math.round((index + 1) / seconds)} rows/s)`)
    }
  }
}
await store.flush(600_000)
const { written, dropped } = store.counters()
await store.close()
console.log(`seeded ${written} rows (${dropped} dropped) into ${values.store} over ${DAYS} days in ${((performance.now() - began) / 1000).toFixed(1)} s`)
