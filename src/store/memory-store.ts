import { rollupsOf } from './rollup.ts'
import { windowStats } from './window-stats.ts'
import {
  DAY_MS, MINUTE_MS, decodeCursor, encodeCursor,
  type CostRow, type ProviderOverride, type Store, type StoredRequest
} from './store.ts'

/** Raw rows a memory store keeps, newest last; older ones fall off (their rollups stay). Memory, not history. */
const MAX_ROWS = 5_000

/**
 * The store for `STORE_URL=memory`: the same answers from the process's own memory, gone at restart. Tests and
 * throwaway runs use it; it writes at once, so there is never a queue.
 */
export function createMemoryStore (maxRows = MAX_ROWS): Store {
  let rows: StoredRequest[] = []
  const rollups = new Map<string, Record<string, number | string>>()
  const overrides = new Map<string, ProviderOverride>()
  let written = 0

  return {
    kind: 'memory',
    append (request) {
      rows.push(request)
      if (rows.length > maxRows * 1.1) rows = rows.slice(rows.length - maxRows)
      for (const row of rollupsOf([request], MINUTE_MS) as Array<Record<string, number | string>>) {
        const key = `${row.period}\u0000${row.provider}\u0000${row.model}\u0000${row.key_id}`
        const existing = rollups.get(key)
        if (existing === undefined) rollups.set(key, row)
        else for (const [column, value] of Object.entries(row)) if (typeof value === 'number' && column !== 'period') existing[column] = (existing[column] as number) + value
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
        (after === undefined || row.timestampMs < after.ts || (row.timestampMs === after.ts && row.id < after.id)))
      matching.sort((a, b) => b.timestampMs - a.timestampMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      const logs = matching.slice(0, query.limit)
      const last = logs.at(-1)
      return { logs, nextCursor: matching.length > query.limit && last !== undefined ? encodeCursor(last) : null }
    },

    async costs (query) {
      const groups = new Map<string, CostRow>()
      for (const row of inRange(query.since, query.until)) {
        const minute = row.period as number
        const group = query.groupBy === 'provider'
          ? String(row.provider)
          : query.groupBy === 'model'
            ? `${String(row.provider)}:${String(row.model)}`
            : query.groupBy === 'key'
              ? String(row.key_id)
              : new Date(minute - (minute % DAY_MS)).toISOString().slice(0, 10)
        const sum = groups.get(group) ?? { group, requests: 0, errors: 0, tokensIn: 0, tokensOut: 0, cost: 0 }
        sum.requests += row.requests as number
        sum.errors += row.errors as number
        sum.tokensIn += row.tokens_in as number
        sum.tokensOut += row.tokens_out as number
        sum.cost += row.cost as number
        groups.set(group, sum)
      }
      return [...groups.values()].sort((a, b) => a.group < b.group ? -1 : a.group > b.group ? 1 : 0)
    },

    async window (sinceMs) {
      const byProvider = new Map<string, Record<string, number>>()
      for (const row of inRange(sinceMs, undefined)) {
        const sum = byProvider.get(String(row.provider)) ?? {}
        for (const [column, value] of Object.entries(row)) if (typeof value === 'number' && column !== 'period') sum[column] = (sum[column] ?? 0) + value
        byProvider.set(String(row.provider), sum)
      }
      return [...byProvider.entries()].sort(([a], [b]) => a < b ? -1 : 1).map(([provider, sum]) => windowStats(provider, sum))
    },

    overrides: async () => [...overrides.values()].sort((a, b) => a.provider < b.provider ? -1 : 1),
    async setOverride (override) { overrides.set(override.provider, { ...override, updatedAt: Date.now() }) },
    async clearOverride (provider) { overrides.delete(provider) },

    async prune (requestsBefore, rollupsBefore, batch) {
      const before = rows.length
      let removed = 0
      rows = rows.filter((row) => row.timestampMs >= requestsBefore || removed++ >= batch)
      let pruned = before - rows.length
      // One resolution here (minutes), kept as long as the raw rows, as the SQL stores keep theirs.
      for (const [key, row] of rollups) {
        if ((row.period as number) < Math.max(requestsBefore, rollupsBefore)) {
          rollups.delete(key)
          pruned++
        }
      }
      return pruned
    },
    close: async () => {}
  }

  function inRange (since: number | undefined, until: number | undefined): Array<Record<string, number | string>> {
    const from = since === undefined ? -Infinity : since - (since % MINUTE_MS)
    return [...rollups.values()].filter((row) => (row.period as number) >= from && (until === undefined || (row.period as number) < until))
  }
}
