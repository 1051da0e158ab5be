import type { Insertable } from 'kysely'
import { BUCKETS, bucketOf } from './latency-buckets.ts'
import type { RollupRow } from './schema.ts'
import { DAY_MS, MINUTE_MS, type QueueRefusal, type StoredRequest } from './store.ts'

export const HOUR_MS = 60 * MINUTE_MS

/** The rollup tables, finest first, with the period each row covers. */
export const ROLLUPS = [
  { table: 'rollups_minute', periodMs: MINUTE_MS },
  { table: 'rollups_hour', periodMs: HOUR_MS },
  { table: 'rollups_day', periodMs: DAY_MS }
] as const

export type RollupTable = typeof ROLLUPS[number]['table']
export const ROLLUP_TABLES: readonly RollupTable[] = ROLLUPS.map((rollup) => rollup.table)

export type RollupValues = Insertable<RollupRow> & Record<string, number | string>

/** A batch's requests summed per period × provider × model × key: the rows a rollup table grows by. */
export function rollupsOf (requests: readonly StoredRequest[], periodMs: number): RollupValues[] {
  const rows = new Map<string, RollupValues>()
  for (const request of requests) {
    const period = request.timestampMs - (request.timestampMs % periodMs)
    const key = `${period}\u0000${request.provider}\u0000${request.model}\u0000${request.keyId}`
    let row = rows.get(key)
    if (row === undefined) {
      row = emptyRollup(period, request.provider, request.model, request.keyId)
      rows.set(key, row)
    }
    addRequest(row, request)
  }
  return [...rows.values()]
}

function addRequest (row: RollupValues, request: StoredRequest): void {
  row.requests = (row.requests as number) + 1
  if (!request.success) row.errors = (row.errors as number) + 1
  row.tokens_in = (row.tokens_in as number) + request.tokensIn
  row.tokens_out = (row.tokens_out as number) + request.tokensOut
  row.cost = (row.cost as number) + request.cost
  row.latency_sum = (row.latency_sum as number) + request.latencyMs
  const latency = `lat_${bucketOf(request.latencyMs)}`
  row[latency] = (row[latency] as number) + 1
  // Waits of requests the queue admitted, as Prometheus counts them; a refusal is counted by its reason.
  if (request.queuedMs !== null && request.queuedMs > 0 && request.queueRefusal === null) {
    row.queued = (row.queued as number) + 1
    row.queued_ms_sum = (row.queued_ms_sum as number) + request.queuedMs
    const wait = `qwait_${bucketOf(request.queuedMs)}`
    row[wait] = (row[wait] as number) + 1
  }
  if (request.softFailure !== null) row.soft_failures = (row.soft_failures as number) + 1
  if (request.queueRefusal !== null) {
    const column = REFUSAL_COLUMNS[request.queueRefusal]
    row[column] = (row[column] as number) + 1
  }
  if (request.timeToFirstTokenMs !== null) {
    row.ttft_sum = (row.ttft_sum as number) + request.timeToFirstTokenMs
    row.ttft_count = (row.ttft_count as number) + 1
    const ttft = `ttft_${bucketOf(request.timeToFirstTokenMs)}`
    row[ttft] = (row[ttft] as number) + 1
  }
}

function emptyRollup (period: number, provider: string, model: string, keyId: string): RollupValues {
  const row: Record<string, number | string> = {
    period, provider, model, key_id: keyId, requests: 0, errors: 0, tokens_in: 0, tokens_out: 0, cost: 0, latency_sum: 0, ttft_sum: 0, ttft_count: 0,
    queued: 0, queued_ms_sum: 0, queue_full: 0, queue_timeout: 0, queue_wait_too_long: 0, soft_failures: 0
  }
  for (let index = 0; index < BUCKETS; index++) {
    row[`lat_${index}`] = 0
    row[`ttft_${index}`] = 0
    row[`qwait_${index}`] = 0
  }
  return row as RollupValues
}

/** The columns a rollup row adds to an existing one. */
export const ADDITIVE_COLUMNS = [
  'requests', 'errors', 'tokens_in', 'tokens_out', 'cost', 'latency_sum', 'ttft_sum', 'ttft_count',
  ...Array.from({ length: BUCKETS }, (_, index) => `lat_${index}`),
  ...Array.from({ length: BUCKETS }, (_, index) => `ttft_${index}`),
  'queued', 'queued_ms_sum', 'queue_full', 'queue_timeout', 'queue_wait_too_long',
  ...Array.from({ length: BUCKETS }, (_, index) => `qwait_${index}`),
  'soft_failures'
] as const

/** The rollup column that counts each reason the admission queue turns a request away. */
export const REFUSAL_COLUMNS: Readonly<Record<QueueRefusal, string>> = { queue_full: 'queue_full', queue_timeout: 'queue_timeout', wait_too_long: 'queue_wait_too_long' }

export interface RangeSegment { table: RollupTable, from: number, to: number }

/**
 * [since, until) cut into the coarsest periods that fit: minutes up to the first whole hour, hours up to the first
 * whole day, whole days, then hours and minutes at the end (days in UTC). Summing the segments reads few rows for
 * any range and counts each request once. Both ends are taken at minute resolution.
 */
export function segmentsOf (since: number, until: number): RangeSegment[] {
  const segments: RangeSegment[] = []
  const floorTo = (ms: number, period: number): number => ms - (ms % period)
  const ceilTo = (ms: number, period: number): number => Math.ceil(ms / period) * period
  let from = floorTo(since, MINUTE_MS)
  const add = (table: RollupTable, to: number): void => {
    if (to <= from) return
    segments.push({ table, from, to })
    from = to
  }
  const lastHour = floorTo(until, HOUR_MS)
  const lastDay = floorTo(until, DAY_MS)
  add('rollups_minute', Math.min(ceilTo(from, HOUR_MS), until))
  add('rollups_hour', Math.min(ceilTo(from, DAY_MS), lastHour))
  add('rollups_day', lastDay)
  add('rollups_hour', lastHour)
  add('rollups_minute', until)
  return segments
}
