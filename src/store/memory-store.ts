import { ADDITIVE_COLUMNS, REFUSAL_COLUMNS } from './rollup.ts'
import { BUCKETS, bucketOf } from './latency-buckets.ts'
import { windowStats } from './window-stats.ts'
import { addToArmSums, emptyArmSums } from './experiment-sums.ts'
import {
  DAY_MS, MINUTE_MS, decodeCursor, encodeCursor,
  type ArmSums, type CostRow, type ProviderOverride, type QueueRefusal, type RoutingDeclaration, type SeriesPoint, type Store, type StoredKey, type StoredRequest
} from './store.ts'

/**
 * Raw rows a memory store keeps, newest last; older ones fall off (their rollups stay). As many as the live log
 * keeps by default: every row kept is old-generation garbage later, which the bench's accounting figure showed.
 */
const MAX_ROWS = 1_000

/**
 * The store for `STORE_URL=memory`: the same answers from the process's own memory, gone at restart. Tests and
 * throwaway runs use it; it writes at once, so there is never a queue.
 */
export function createMemoryStore (maxRows = MAX_ROWS): Store {
  let rows: StoredRequest[] = []
  const rollups = new Map<string, MinuteCounts>()
  const overrides = new Map<string, ProviderOverride>()
  const keys = new Map<string, StoredKey>()
  const declarations = new Map<string, RoutingDeclaration>()
  // Per experiment, its arms' sums per answering provider and model: kept as rows come, as the rollups are.
  const experiments = new Map<string, Map<string, ArmSums>>()
  let secret: string | undefined
  let written = 0

  return {
    kind: 'memory',
    append (request) {
      rows.push(request)
      if (rows.length > maxRows * 1.1) rows = rows.slice(rows.length - maxRows)
      const period = request.timestampMs - (request.timestampMs % MINUTE_MS)
      const key = `${period}\u0000${request.provider}\u0000${request.model}\u0000${request.keyId}`
      let minute = rollups.get(key)
      if (minute === undefined) {
        minute = { period, provider: request.provider, model: request.model, keyId: request.keyId, counts: new Float64Array(ADDITIVE_COLUMNS.length) }
        rollups.set(key, minute)
      }
      count(minute.counts, request)
      if (request.experiment !== null && request.arm !== null) {
        let arms = experiments.get(request.experiment)
        if (arms === undefined) experiments.set(request.experiment, arms = new Map())
        const armKey = `${request.arm}\u0000${request.provider}\u0000${request.model}`
        let sums = arms.get(armKey)
        if (sums === undefined) arms.set(armKey, sums = emptyArmSums(request.arm, request.provider, request.model))
        addToArmSums(sums, request)
      }
      written++
    },
    counters: () => ({ queued: 0, written, dropped: 0, failedBatches: 0 }),
    flush: async () => {},

    async logs (query) {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
      const matching = rows.filter((row) =>
        (query.since === undefined || row.timestampMs >= query.since) &&
        (query.until === undefined || row.timestampMs < query.until) &&
        (query.provider === undefined || row.provider === query.provider) &&
        (query.model === undefined || row.model === query.model) &&
        (query.status === undefined || row.statusCode === query.status) &&
        (query.success === undefined || row.success === query.success) &&
        (query.key === undefined || row.keyId === query.key) &&
        (query.experiment === undefined || row.experiment === query.experiment) &&
        (after === undefined || row.timestampMs < after.ts || (row.timestampMs === after.ts && row.id < after.id)))
      matching.sort((a, b) => b.timestampMs - a.timestampMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      const logs = matching.slice(0, query.limit)
      const last = logs.at(-1)
      return { logs, nextCursor: matching.length > query.limit && last !== undefined ? encodeCursor(last) : null }
    },

    async costs (query) {
      const groups = new Map<string, CostRow>()
      for (const row of inRange(query.since, query.until)) {
        const group = query.groupBy === 'provider'
          ? row.provider
          : query.groupBy === 'model'
            ? `${row.provider}:${row.model}`
            : query.groupBy === 'key'
              ? row.keyId
              : new Date(row.period - (row.period % DAY_MS)).toISOString().slice(0, 10)
        const sum = groups.get(group) ?? { group, requests: 0, errors: 0, tokensIn: 0, tokensOut: 0, cost: 0 }
        sum.requests += row.counts[REQUESTS] as number
        sum.errors += row.counts[ERRORS] as number
        sum.tokensIn += row.counts[TOKENS_IN] as number
        sum.tokensOut += row.counts[TOKENS_OUT] as number
        sum.cost += row.counts[COST] as number
        groups.set(group, sum)
      }
      return [...groups.values()].sort((a, b) => a.group < b.group ? -1 : a.group > b.group ? 1 : 0)
    },

    async series (query) {
      const points = new Map<string, SeriesPoint>()
      for (const row of inRange(query.since, query.until)) {
        const bucket = row.period - (row.period % query.bucketMs)
        const group = query.groupBy === 'provider' ? row.provider : query.groupBy === 'model' ? `${row.provider}:${row.model}` : row.keyId
        const key = `${bucket}\u0000${group}`
        let point = points.get(key)
        if (point === undefined) {
          point = { bucket, group, requests: 0, errors: 0, tokensIn: 0, tokensOut: 0, cost: 0, latencySum: 0, ttftSum: 0, ttftCount: 0, softFailures: 0, latencyBuckets: new Array<number>(BUCKETS).fill(0) }
          points.set(key, point)
        }
        const counts = row.counts
        point.requests += counts[REQUESTS] as number
        point.errors += counts[ERRORS] as number
        point.tokensIn += counts[TOKENS_IN] as number
        point.tokensOut += counts[TOKENS_OUT] as number
        point.cost += counts[COST] as number
        point.latencySum += counts[LATENCY_SUM] as number
        point.ttftSum += counts[TTFT_SUM] as number
        point.ttftCount += counts[TTFT_COUNT] as number
        point.softFailures += counts[SOFT_FAILURES] as number
        for (let index = 0; index < BUCKETS; index++) (point.latencyBuckets[index] as number) += counts[LATENCY_BUCKETS + index] as number
      }
      return [...points.values()].sort((a, b) => a.bucket - b.bucket || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
    },

    async experimentArms (name) {
      return [...(experiments.get(name)?.values() ?? [])].map((sums) => structuredClone(sums))
    },

    async window (sinceMs) {
      const byProvider = new Map<string, Record<string, number>>()
      for (const row of inRange(sinceMs, undefined)) {
        const sum = byProvider.get(row.provider) ?? {}
        ADDITIVE_COLUMNS.forEach((column, index) => { sum[column] = (sum[column] ?? 0) + (row.counts[index] as number) })
        byProvider.set(row.provider, sum)
      }
      return [...byProvider.entries()].sort(([a], [b]) => a < b ? -1 : 1).map(([provider, sum]) => windowStats(provider, sum))
    },

    overrides: async () => [...overrides.values()].sort((a, b) => a.provider < b.provider ? -1 : 1),
    async setOverride (override) { overrides.set(override.provider, { ...override, updatedAt: Date.now() }) },
    async clearOverride (provider) { overrides.delete(provider) },
    declarations: async () => [...declarations.values()]
      .sort((a, b) => a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      .map((declaration) => ({ ...declaration })),
    async putDeclaration (declaration) { declarations.set(`${declaration.kind}\u0000${declaration.name}`, { ...declaration, updatedAt: Date.now() }) },
    async deleteDeclaration (kind, name) { declarations.delete(`${kind}\u0000${name}`) },
    keys: async (changedSince) => [...keys.values()].filter((key) => changedSince === undefined || key.updatedAt >= changedSince).map((key) => ({ ...key })),
    async putKey (key) { keys.set(key.id, { ...key }) },
    async installSecret (candidate) {
      secret ??= candidate
      return secret
    },

    async prune (requestsBefore, rollupsBefore, batch) {
      const before = rows.length
      let removed = 0
      rows = rows.filter((row) => row.timestampMs >= requestsBefore || removed++ >= batch)
      let pruned = before - rows.length
      // One resolution here (minutes), kept as long as the raw rows, as the SQL stores keep theirs.
      for (const [key, row] of rollups) {
        if (row.period < Math.max(requestsBefore, rollupsBefore)) {
          rollups.delete(key)
          pruned++
        }
      }
      return pruned
    },
    close: async () => {}
  }

  function inRange (since: number | undefined, until: number | undefined): MinuteCounts[] {
    const from = since === undefined ? -Infinity : since - (since % MINUTE_MS)
    return [...rollups.values()].filter((row) => row.period >= from && (until === undefined || row.period < until))
  }
}

/** One minute's sums for a provider, model and key, in ADDITIVE_COLUMNS order: no object per request. */
interface MinuteCounts { period: number, provider: string, model: string, keyId: string, counts: Float64Array }

const REQUESTS = 0
const ERRORS = 1
const TOKENS_IN = 2
const TOKENS_OUT = 3
const COST = 4
const LATENCY_SUM = 5
const TTFT_SUM = 6
const TTFT_COUNT = 7
const LATENCY_BUCKETS = 8
const TTFT_BUCKETS = LATENCY_BUCKETS + BUCKETS
const QUEUED = ADDITIVE_COLUMNS.indexOf('queued')
const QUEUED_MS_SUM = ADDITIVE_COLUMNS.indexOf('queued_ms_sum')
const QUEUE_WAIT_BUCKETS = ADDITIVE_COLUMNS.indexOf('qwait_0')
const SOFT_FAILURES = ADDITIVE_COLUMNS.indexOf('soft_failures')
const REFUSAL_INDEX = Object.fromEntries(Object.entries(REFUSAL_COLUMNS).map(([reason, column]) =>
  [reason, ADDITIVE_COLUMNS.indexOf(column as typeof ADDITIVE_COLUMNS[number])])) as Record<QueueRefusal, number>

function count (counts: Float64Array, request: StoredRequest): void {
  add(counts, REQUESTS, 1)
  if (!request.success) add(counts, ERRORS, 1)
  add(counts, TOKENS_IN, request.tokensIn)
  add(counts, TOKENS_OUT, request.tokensOut)
  add(counts, COST, request.cost)
  add(counts, LATENCY_SUM, request.latencyMs)
  add(counts, LATENCY_BUCKETS + bucketOf(request.latencyMs), 1)
  if (request.queuedMs !== null && request.queuedMs > 0 && request.queueRefusal === null) {
    add(counts, QUEUED, 1)
    add(counts, QUEUED_MS_SUM, request.queuedMs)
    add(counts, QUEUE_WAIT_BUCKETS + bucketOf(request.queuedMs), 1)
  }
  if (request.queueRefusal !== null) add(counts, REFUSAL_INDEX[request.queueRefusal], 1)
  if (request.softFailure !== null) add(counts, SOFT_FAILURES, 1)
  if (request.timeToFirstTokenMs !== null) {
    add(counts, TTFT_SUM, request.timeToFirstTokenMs)
    add(counts, TTFT_COUNT, 1)
    add(counts, TTFT_BUCKETS + bucketOf(request.timeToFirstTokenMs), 1)
  }
}

function add (counts: Float64Array, index: number, value: number): void {
  counts[index] = (counts[index] as number) + value
}
