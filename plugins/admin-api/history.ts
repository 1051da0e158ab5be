import { Type, type Static } from '@sinclair/typebox'
import { invalidRequest } from '../../src/canonical/errors.ts'
import { Nullable } from '../../src/canonical/nullable.ts'
import type { StoredRequest } from '../../src/store/store.ts'

// The history side of the provider API: the query parameters that read the store, and the shapes it answers in.

/** A time in a query: ISO-8601, or epoch milliseconds. */
const TimeParam = Type.String({ maxLength: 40, pattern: '^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})?)?)$' })
const Name = Type.String({ minLength: 1, maxLength: 256 })

export const LogsQuerySchema = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  provider: Type.Optional(Type.String()),
  success: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  since: Type.Optional(TimeParam),
  until: Type.Optional(TimeParam),
  model: Type.Optional(Name),
  status: Type.Optional(Type.String({ pattern: '^[1-5][0-9]{2}$' })),
  key: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_:-]{1,64}$' })),
  experiment: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' })),
  cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,400}$' }))
})
export type LogsQuery = Static<typeof LogsQuerySchema>
export const HISTORY_PARAMS = ['since', 'until', 'model', 'status', 'key', 'experiment', 'cursor'] as const

export const CostsQuerySchema = Type.Object({
  since: Type.Optional(TimeParam),
  until: Type.Optional(TimeParam),
  groupBy: Type.Optional(Type.Union(['provider', 'model', 'key', 'day'].map((group) => Type.Literal(group))))
})
export type CostsQuery = Static<typeof CostsQuerySchema>

/** The bucket a chart over each window is cut into: 15 to 168 points. */
export const SERIES_BUCKETS: Readonly<Record<string, number>> = { '15m': 60_000, '1h': 60_000, '24h': 900_000, '7d': 3_600_000, '30d': 86_400_000 }
export const SeriesQuerySchema = Type.Object({
  window: Type.Optional(Type.Union(Object.keys(SERIES_BUCKETS).map((window) => Type.Literal(window)))),
  groupBy: Type.Optional(Type.Union(['provider', 'model', 'key'].map((group) => Type.Literal(group))))
})
const SeriesPointSchema = Type.Object({
  t: Type.String({ description: 'the bucket\'s start, ISO-8601' }),
  requests: Type.Integer(),
  errors: Type.Integer(),
  softFailures: Type.Integer(),
  tokensIn: Type.Integer(),
  tokensOut: Type.Integer(),
  cost: Type.Number(),
  avgLatencyMs: Nullable(Type.Number()),
  p95LatencyMs: Nullable(Type.Number()),
  avgTimeToFirstTokenMs: Nullable(Type.Number())
})
export const SeriesSchema = Type.Object({
  window: Type.String(),
  bucketMs: Type.Integer(),
  since: Type.String(),
  until: Type.String(),
  series: Type.Array(Type.Object({ group: Type.String(), points: Type.Array(SeriesPointSchema) }))
})

export const WINDOWS: Readonly<Record<string, number>> = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 }
export const MetricsQuerySchema = Type.Object({ window: Type.Optional(Type.Union(Object.keys(WINDOWS).map((window) => Type.Literal(window)))) })

export const StoredLogSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  timestamp: Type.String(),
  provider: Type.String(),
  model: Type.String(),
  endpoint: Type.String(),
  ingress: Type.String(),
  stream: Type.Boolean(),
  tokensIn: Type.Integer(),
  tokensOut: Type.Integer(),
  cachedTokensIn: Type.Integer(),
  reasoningTokens: Type.Integer(),
  latencyMs: Type.Number(),
  timeToFirstTokenMs: Nullable(Type.Number()),
  cost: Nullable(Type.Number({ description: 'USD; null when answered by a model with no known price' })),
  costSource: Type.String(),
  success: Type.Boolean(),
  statusCode: Type.Integer(),
  errorMessage: Nullable(Type.String()),
  errorKind: Nullable(Type.String()),
  attempts: Type.String({ description: 'as the x-switchyard-attempts header: provider:status,…' }),
  keyId: Nullable(Type.String({ description: 'fingerprint of the client key, never the key' })),
  experiment: Nullable(Type.String()),
  arm: Nullable(Type.String())
})
export const HistorySchema = Type.Object({ logs: Type.Array(StoredLogSchema), nextCursor: Nullable(Type.String()) })

export const CostRowSchema = Type.Object({
  group: Type.String(), requests: Type.Integer(), errors: Type.Integer(), tokensIn: Type.Integer(), tokensOut: Type.Integer(), cost: Type.Number(),
  /** With groupBy=key, the virtual key's name when the group is one (its id is the group). */
  keyName: Type.Optional(Type.String())
})
export const WindowStatsSchema = Type.Object({
  provider: Type.String(),
  requests: Type.Integer(),
  errors: Type.Integer(),
  tokensIn: Type.Integer(),
  tokensOut: Type.Integer(),
  cost: Type.Number(),
  avgLatencyMs: Nullable(Type.Number()),
  p50LatencyMs: Nullable(Type.Number()),
  p95LatencyMs: Nullable(Type.Number()),
  p99LatencyMs: Nullable(Type.Number()),
  avgTimeToFirstTokenMs: Nullable(Type.Number()),
  p50TimeToFirstTokenMs: Nullable(Type.Number()),
  p95TimeToFirstTokenMs: Nullable(Type.Number()),
  queued: Type.Integer(),
  avgQueuedMs: Nullable(Type.Number()),
  p50QueuedMs: Nullable(Type.Number()),
  p95QueuedMs: Nullable(Type.Number()),
  queueRefused: Type.Object({ queueFull: Type.Integer(), queueTimeout: Type.Integer(), waitTooLong: Type.Integer() }),
  softFailures: Type.Integer()
})

/** A query's time as epoch ms; a 400 naming the parameter when it is not a time. */
export function timeOf (value: string | undefined, param: string): number | undefined {
  if (value === undefined) return undefined
  const ms = /^[0-9]+$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isFinite(ms)) throw invalidRequest(`'${param}' must be an ISO-8601 time or epoch milliseconds.`, param, 'invalid_time')
  return ms
}
export function definedOnly<T extends Record<string, unknown>> (values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> }
}

/** Answered by a model with no known price: its cost is not 0 but unknown (the row keeps 0, for sums). */
const unpriced = (row: StoredRequest): boolean => row.success && row.costSource === 'unknown'

export function toStoredLogShape (row: StoredRequest): Static<typeof StoredLogSchema> {
  const { timestampMs, keyId, ...rest } = row
  return { ...rest, cost: unpriced(row) ? null : row.cost, timestamp: new Date(timestampMs).toISOString(), keyId: keyId === '' ? null : keyId }
}
