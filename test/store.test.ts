import tap from 'tap'

const t = tap
import { openStore, parseStoreUrl, type StoreSettings } from '../src/store/open-store.ts'
import type { Store, StoredRequest } from '../src/store/store.ts'
import { postgresStoreUrl, sqliteStoreUrl } from './helpers/stores.ts'

// One suite, run on each store: memory, a SQLite file and a schema of the test Postgres.

const settings: StoreSettings = { batchSize: 500, intervalMs: 50, maxQueued: 10_000, onTrouble: () => {}, onRecovered: () => {} }
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0)

let counter = 0
function request (overrides: Partial<StoredRequest> = {}): StoredRequest {
  counter++
  return {
    id: `r${String(counter).padStart(6, '0')}`,
    requestId: `req-${counter}`,
    timestampMs: T0,
    provider: 'openai',
    model: 'gpt-4o-mini',
    endpoint: '/v1/chat/completions',
    ingress: 'openai',
    stream: false,
    tokensIn: 10,
    tokensOut: 5,
    cachedTokensIn: 0,
    reasoningTokens: 0,
    latencyMs: 120,
    timeToFirstTokenMs: null,
    cost: 0.001,
    costSource: 'test',
    success: true,
    statusCode: 200,
    errorMessage: null,
    errorKind: null,
    attempts: 'openai:200',
    keyId: '',
    queuedMs: null,
    queueRefusal: null, softFailure: null, experiment: null, arm: null,
    ...overrides
  }
}

async function suite (t: typeof tap, name: string, url: () => Promise<string | undefined>): Promise<void> {
  t.test(name, async (t) => {
    const location = await url()
    if (location === undefined) {
      t.comment(`${name}: SKIPPED, Postgres not reachable (set TEST_POSTGRES_URL); in CI this fails instead`)
      t.pass('skipped: no Postgres outside CI')
      return
    }
    let store: Store = await openStore(parseStoreUrl(location), settings)
    t.teardown(() => store.close())

    const rows = [
      request({ timestampMs: T0, provider: 'openai', model: 'gpt-4o-mini', keyId: 'k1', latencyMs: 30, queuedMs: 40, softFailure: 'empty' }),
      request({ timestampMs: T0 + 1_000, provider: 'groq', model: 'llama', keyId: 'k2', latencyMs: 300, stream: true, timeToFirstTokenMs: 40, queuedMs: 0 }),
      // The store keeps whatever it is told: a refusal by the admission queue is counted in the rollups.
      request({ timestampMs: T0 + 2_000, provider: 'openai', model: 'gpt-4o', keyId: 'k1', success: false, statusCode: 503, errorMessage: 'down', errorKind: 'overloaded', cost: 0, tokensIn: 0, tokensOut: 0, queuedMs: 0, queueRefusal: 'queue_full', softFailure: null, experiment: null, arm: null }),
      request({ timestampMs: T0 + 86_400_000, provider: 'openai', model: 'gpt-4o-mini', keyId: 'k2', cost: 0.5 }),
      request({ timestampMs: T0 + 86_400_000, provider: 'groq', model: 'llama', keyId: '', cost: 0.25 })
    ]
    for (const row of rows) store.append(row)
    await store.flush()
    t.same(store.counters(), { queued: 0, written: 5, dropped: 0, failedBatches: 0 })

    t.test('logs: newest first, filtered, whole rows back', async (t) => {
      const all = await store.logs({ limit: 10 })
      t.same(all.logs.map((row) => row.id), [rows[4], rows[3], rows[2], rows[1], rows[0]].map((row) => row?.id), 'ties by id, descending')
      t.same(all.logs.at(-1), rows[0], 'every field comes back as it went in')
      t.equal(all.nextCursor, null)
      t.same((await store.logs({ limit: 10, provider: 'groq' })).logs.map((row) => row.id), [rows[4]?.id, rows[1]?.id])
      t.same((await store.logs({ limit: 10, model: 'gpt-4o' })).logs.map((row) => row.statusCode), [503])
      t.same((await store.logs({ limit: 10, status: 503 })).logs.map((row) => row.errorKind), ['overloaded'])
      t.same((await store.logs({ limit: 10, success: false })).logs.length, 1)
      t.same((await store.logs({ limit: 10, key: 'k2' })).logs.map((row) => row.id), [rows[3]?.id, rows[1]?.id])
      t.same((await store.logs({ limit: 10, since: T0 + 1_000, until: T0 + 2_001 })).logs.map((row) => row.id), [rows[2]?.id, rows[1]?.id])
    })

    t.test('logs: a cursor pages through every row once', async (t) => {
      const seen: string[] = []
      let cursor: string | undefined
      for (let page = 0; page < 10; page++) {
        const result = await store.logs({ limit: 2, ...(cursor === undefined ? {} : { cursor }) })
        seen.push(...result.logs.map((row) => row.id))
        if (result.nextCursor === null) break
        cursor = result.nextCursor
      }
      t.same(seen, [rows[4], rows[3], rows[2], rows[1], rows[0]].map((row) => row?.id))
    })

    t.test('costs by provider, model, key and day, within a range', async (t) => {
      const byProvider = await store.costs({ groupBy: 'provider' })
      t.same(byProvider.map((row) => [row.group, row.requests, row.errors, row.tokensIn, row.tokensOut, +row.cost.toFixed(6)]), [
        ['groq', 2, 0, 20, 10, 0.251],
        ['openai', 3, 1, 20, 10, 0.501]
      ])
      t.same((await store.costs({ groupBy: 'model' })).map((row) => row.group), ['groq:llama', 'openai:gpt-4o', 'openai:gpt-4o-mini'])
      t.same((await store.costs({ groupBy: 'key' })).map((row) => [row.group, row.requests]), [['', 1], ['k1', 2], ['k2', 2]])
      t.same((await store.costs({ groupBy: 'day' })).map((row) => [row.group, row.requests]), [['2026-11-01', 3], ['2026-11-02', 2]])
      t.same((await store.costs({ groupBy: 'day', since: T0 + 3_600_000 })).map((row) => row.group), ['2026-11-02'])
      t.same((await store.costs({ groupBy: 'provider', until: T0 + 60_000 })).map((row) => [row.group, row.requests]), [['groq', 1], ['openai', 2]])
    })

    t.test('a series cuts the rollups into buckets per provider, model or key', async (t) => {
      const byProvider = await store.series({ since: T0 - 3_600_000, until: T0 + 2 * 86_400_000, bucketMs: 86_400_000, groupBy: 'provider' })
      t.same(byProvider.map((point) => [point.bucket - T0 + (T0 % 86_400_000), point.group, point.requests, point.errors]),
        [[0, 'groq', 1, 0], [0, 'openai', 2, 1], [86_400_000, 'groq', 1, 0], [86_400_000, 'openai', 1, 0]], 'a day a bucket')
      t.equal(byProvider[1]?.softFailures, 1)
      t.same(byProvider[1]?.latencyBuckets.slice(0, 4), [0, 1, 0, 1], '30 ms and 120 ms')
      const minutes = await store.series({ since: T0, until: T0 + 60_000, bucketMs: 60_000, groupBy: 'model' })
      t.same(minutes.map((point) => [point.bucket, point.group, point.requests]), [[T0, 'groq:llama', 1], [T0, 'openai:gpt-4o', 1], [T0, 'openai:gpt-4o-mini', 1]])
      const keys = await store.series({ since: T0, until: T0 + 2 * 86_400_000, bucketMs: 3_600_000, groupBy: 'key' })
      t.equal(keys.reduce((sum, point) => sum + point.requests, 0), 5, 'every request once')
      t.same([...new Set(keys.map((point) => point.group))].sort(), ['', 'k1', 'k2'])
    })

    t.test('a window sums the rollups with latency and TTFT percentiles', async (t) => {
      const window = await store.window(T0 - 60_000)
      const groq = window.find((row) => row.provider === 'groq')
      const openai = window.find((row) => row.provider === 'openai')
      t.match(groq, { requests: 2, errors: 0, p50TimeToFirstTokenMs: 50, avgTimeToFirstTokenMs: 40 })
      t.match(openai, { requests: 3, errors: 1, p50LatencyMs: 200, p99LatencyMs: 200 })
      t.equal(openai?.avgLatencyMs, (30 + 120 + 120) / 3)
      t.match(openai, { queued: 1, avgQueuedMs: 40, p50QueuedMs: 50, queueRefused: { queueFull: 1, queueTimeout: 0, waitTooLong: 0 } }, 'the admission queue: waits and refusals')
      t.match(groq, { queued: 0, avgQueuedMs: null, p50QueuedMs: null, queueRefused: { queueFull: 0 }, softFailures: 0 }, 'counted without waiting is not queued')
      t.equal(openai?.softFailures, 1, 'soft failures')
      t.same((await store.window(T0 + 86_400_000)).map((row) => [row.provider, row.requests]), [['groq', 1], ['openai', 1]])
    })

    t.test('provider overrides: set, change, clear', async (t) => {
      await store.setOverride({ provider: 'groq', dispatchMode: 'pooled', weight: 3, modelMap: { 'gpt-4o': 'llama' } })
      await store.setOverride({ provider: 'groq', dispatchMode: 'fallback', weight: null, modelMap: null })
      await store.setOverride({ provider: 'mistral', dispatchMode: 'off', weight: null, modelMap: null })
      t.match(await store.overrides(), [{ provider: 'groq', dispatchMode: 'fallback', weight: null, modelMap: null }, { provider: 'mistral', dispatchMode: 'off' }])
      await store.clearOverride('groq')
      t.same((await store.overrides()).map((row) => row.provider), ['mistral'])
    })

    t.test('prune removes old raw rows in batches and old rollups', async (t) => {
      t.ok(await store.prune(T0 + 2_500, -Infinity, 2) >= 2)
      t.equal((await store.logs({ limit: 10 })).logs.length, 3, 'the first batch took two raw rows')
      await store.prune(T0 + 2_500, -Infinity, 2)
      t.same((await store.logs({ limit: 10 })).logs.map((row) => row.id), [rows[4]?.id, rows[3]?.id])
      await store.prune(0, T0 + 3_600_000, 100)
      t.same((await store.costs({ groupBy: 'day' })).map((row) => row.group), ['2026-11-02'], 'the first day\'s rollups are gone')
    })

    t.test('an experiment\'s requests summed per arm and answering provider, and its rows found by name', async (t) => {
      const T1 = T0 + 10 * 86_400_000
      const tagged = [
        request({ timestampMs: T1, experiment: 'ab', arm: 'a', latencyMs: 20, cost: 0.002, timeToFirstTokenMs: 10 }),
        request({ timestampMs: T1 + 1, experiment: 'ab', arm: 'a', latencyMs: 30, cost: 0.004, success: false, statusCode: 502 }),
        request({ timestampMs: T1 + 2, experiment: 'ab', arm: 'a', provider: 'groq', model: 'llama', latencyMs: 3000, softFailure: 'empty' }),
        request({ timestampMs: T1 + 3, experiment: 'ab', arm: 'b', latencyMs: 500 }),
        request({ timestampMs: T1 + 4, experiment: 'other', arm: 'a' })
      ]
      for (const row of tagged) store.append(row)
      await store.flush()
      const arms = (await store.experimentArms('ab')).sort((x, y) => `${x.arm}${x.provider}` < `${y.arm}${y.provider}` ? -1 : 1)
      t.same(arms.map((sum) => [sum.arm, sum.provider, sum.requests, sum.errors, sum.softFailures, sum.ttftCount]),
        [['a', 'groq', 1, 0, 1, 0], ['a', 'openai', 2, 1, 0, 1], ['b', 'openai', 1, 0, 0, 0]])
      const openaiA = arms[1]
      t.equal(openaiA?.latencySum, 50)
      t.equal(openaiA?.latencySquares, 20 * 20 + 30 * 30)
      t.equal(+(openaiA?.costSquares ?? 0).toFixed(12), +(0.002 ** 2 + 0.004 ** 2).toFixed(12))
      t.same(openaiA?.latencyBuckets, [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], '20 ms and 30 ms: the first two buckets')
      t.same(openaiA?.ttftBuckets, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
      t.same(arms[0]?.latencyBuckets, [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], '3 s: up to 3.2 s')
      t.same(await store.experimentArms('none'), [])
      t.same((await store.logs({ limit: 10, experiment: 'ab' })).logs.map((row) => [row.experiment, row.arm]), [['ab', 'b'], ['ab', 'a'], ['ab', 'a'], ['ab', 'a']])
    })

    t.test('routing declarations: put, replace, delete', async (t) => {
      await store.putDeclaration({ kind: 'group', name: 'fast', spec: '{"strategy":"ordered"}' })
      await store.putDeclaration({ kind: 'experiment', name: 'fast', spec: '{"model":"fast"}' })
      await store.putDeclaration({ kind: 'group', name: 'fast', spec: '{"strategy":"latency"}' })
      await store.putDeclaration({ kind: 'group', name: 'gone', spec: '{}' })
      await store.deleteDeclaration('group', 'gone')
      await store.deleteDeclaration('group', 'never')
      t.same((await store.declarations()).map(({ kind, name, spec }) => [kind, name, spec]),
        [['experiment', 'fast', '{"model":"fast"}'], ['group', 'fast', '{"strategy":"latency"}']])
    })

    if (!location.startsWith('memory')) {
      t.test('what was written is there after a restart', async (t) => {
        await store.close()
        store = await openStore(parseStoreUrl(location), settings)
        t.same((await store.logs({ limit: 10, until: T0 + 86_400_000 * 5 })).logs.map((row) => row.id), [rows[4]?.id, rows[3]?.id])
        t.same((await store.overrides()).map((row) => row.provider), ['mistral'])
        t.same((await store.declarations()).map((row) => row.name), ['fast', 'fast'])
      })
    }
  })
}

await suite(t, 'memory', async () => 'memory')
await suite(t, 'sqlite', async () => await sqliteStoreUrl(t))
await suite(t, 'postgres', async () => await postgresStoreUrl(t))

t.test('STORE_URL forms', async (t) => {
  t.same(parseStoreUrl('memory'), { kind: 'memory' })
  t.same(parseStoreUrl('sqlite:./data/x.db'), { kind: 'sqlite', file: './data/x.db' })
  t.match(parseStoreUrl('postgres://u@h:5432/db?schema=abc'), { kind: 'postgres', schema: 'abc', url: 'postgres://u@h:5432/db' })
  t.throws(() => parseStoreUrl('postgres://h/db?schema=A;drop'), /not a plain lower-case SQL name/)
  const refused = t.throws(() => parseStoreUrl('mysql://user:secret@h/db')) as unknown as Error
  t.notMatch(refused.message, /secret/, 'a refused URL is not echoed with its password')
  t.throws(() => parseStoreUrl('sqlite:'), /needs a file/)
})
