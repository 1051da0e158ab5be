import { parseArgs } from 'node:util'
import { buildApp } from '../../src/app.ts'
import { percentile } from './stats.ts'

// `npm run bench:store -- --store sqlite:./data/seed.db [--rounds 40]`: the provider API's history queries on a
// seeded store (npm run store:seed), through the gateway's own routes (inject, no network): a 30-day cost report
// by day, and filtered log pages. Prints p50 and p95 per query.

const { values } = parseArgs({ options: { store: { type: 'string' }, rounds: { type: 'string', default: '40' } } })
if (values.store === undefined) throw new Error('--store is required (a seeded STORE_URL)')
const ROUNDS = Number(values.rounds)

const app = await buildApp({ env: { STORE_URL: values.store, LOG_LEVEL: 'warn', SETTINGS_POLL_MS: '0', LOG_RETENTION_DAYS: '3650', ROLLUP_RETENTION_DAYS: '3650' } })
await app.ready()
const now = Date.now()
const day = 86_400_000
const anyKey = (await app.inject({ url: '/providers/logs?since=0&limit=1' }).then((response) => response.json() as { logs: Array<{ keyId: string }> })).logs[0]?.keyId ?? ''
const firstPage = await app.inject({ url: `/providers/logs?provider=groq&since=${now - 7 * day}&limit=100` }).then((response) => response.json() as { nextCursor: string })

const queries: Array<[name: string, url: string]> = [
  ['costs by day, 30 days', `/providers/costs?groupBy=day&since=${now - 30 * day}`],
  ['costs by model, 30 days', `/providers/costs?groupBy=model&since=${now - 30 * day}`],
  ['costs by key, 7 days', `/providers/costs?groupBy=key&since=${now - 7 * day}&until=${now}`],
  ['metrics, window 24h', '/providers/metrics?window=24h'],
  ['metrics, window 30d', '/providers/metrics?window=30d'],
  ['logs: provider, 7 days, 100 rows', `/providers/logs?provider=groq&since=${now - 7 * day}&limit=100`],
  ['logs: the next page by cursor', `/providers/logs?provider=groq&limit=100&cursor=${firstPage.nextCursor}`],
  ['logs: one key, 100 rows', `/providers/logs?key=${encodeURIComponent(anyKey)}&limit=100`],
  ['logs: model and status, 100 rows', '/providers/logs?model=gpt-4o&status=503&limit=100'],
  ['logs: a day 10 days ago, 100 rows', `/providers/logs?since=${now - 11 * day}&until=${now - 10 * day}&limit=100`]
]

console.log(`| query (${values.store.split(':')[0]}) | p50 ms | p95 ms | rows |`)
console.log('|---|---:|---:|---:|')
for (const [name, url] of queries) {
  const times: number[] = []
  let rows = 0
  for (let round = 0; round < ROUNDS + 3; round++) {
    const started = performance.now()
    const response = await app.inject({ url })
    const elapsed = performance.now() - started
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body.slice(0, 200)}`)
    const body = response.json() as { logs?: unknown[], groups?: unknown[], providers?: unknown[] }
    rows = (body.logs ?? body.groups ?? body.providers ?? []).length
    if (round >= 3) times.push(elapsed)
  }
  times.sort((a, b) => a - b)
  console.log(`| ${name} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} | ${rows} |`)
}
await app.close()
