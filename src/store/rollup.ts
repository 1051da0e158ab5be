import type { Insertable } from 'kysely'
import { BUCKETS, bucketOf } from './latency-buckets.ts'
import type { RollupRow } from './schema.ts'
import { MINUTE_MS, type StoredRequest } from './store.ts'

/** A batch's requests summed per minute × provider × model × key: the rows the rollups grow by. */
export function rollupsOf (requests: readonly StoredRequest[]): Array<Insertable<RollupRow>> {
  const rows = new Map<string, Insertable<RollupRow> & Record<string, number | string>>()
  for (const request of requests) {
    const minute = request.timestampMs - (request.timestampMs % MINUTE_MS)
    const key = `${minute}\u0000${request.provider}\u0000${request.model}\u0000${request.keyId}`
    let row = rows.get(key)
    if (row === undefined) {
      row = emptyRollup(minute, request.provider, request.model, request.keyId)
      rows.set(key, row)
    }
    row.requests = (row.requests as number) + 1
    if (!request.success) row.errors = (row.errors as number) + 1
    row.tokens_in = (row.tokens_in as number) + request.tokensIn
    row.tokens_out = (row.tokens_out as number) + request.tokensOut
    row.cost = (row.cost as number) + request.cost
    row.latency_sum = (row.latency_sum as number) + request.latencyMs
    row[`lat_${bucketOf(request.latencyMs)}`] = (row[`lat_${bucketOf(request.latencyMs)}`] as number) + 1
    if (request.timeToFirstTokenMs !== null) {
      row.ttft_sum = (row.ttft_sum as number) + request.timeToFirstTokenMs
      row.ttft_count = (row.ttft_count as number) + 1
      const bucket = `ttft_${bucketOf(request.timeToFirstTokenMs)}`
      row[bucket] = (row[bucket] as number) + 1
    }
  }
  return [...rows.values()]
}

function emptyRollup (minute: number, provider: string, model: string, keyId: string): Insertable<RollupRow> & Record<string, number | string> {
  const row: Record<string, number | string> = {
    minute, provider, model, key_id: keyId, requests: 0, errors: 0, tokens_in: 0, tokens_out: 0, cost: 0, latency_sum: 0, ttft_sum: 0, ttft_count: 0
  }
  for (let index = 0; index < BUCKETS; index++) {
    row[`lat_${index}`] = 0
    row[`ttft_${index}`] = 0
  }
  return row as Insertable<RollupRow> & Record<string, number | string>
}

/** The columns a rollup row adds to an existing one. */
export const ADDITIVE_COLUMNS = [
  'requests', 'errors', 'tokens_in', 'tokens_out', 'cost', 'latency_sum', 'ttft_sum', 'ttft_count',
  ...Array.from({ length: BUCKETS }, (_, index) => `lat_${index}`),
  ...Array.from({ length: BUCKETS }, (_, index) => `ttft_${index}`)
] as const
