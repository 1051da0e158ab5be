import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from '../../src/canonical/nullable.ts'
import { roundMs } from './latency-histogram.ts'

export const LoggedAttemptSchema = Type.Object({
  provider: Type.String(),
  model: Type.String(),
  status: Type.Integer(),
  latencyMs: Type.Number()
})

/** Contract §6 `RequestLog`, plus `usageSource`. No prompt or completion text, no key, no client credential. */
export const RequestLogSchema = Type.Object({
  id: Type.String(),
  timestamp: Type.String({ description: 'ISO-8601, when the request arrived' }),
  provider: Type.String({ description: 'the provider that answered, else the last one tried, else "none"' }),
  model: Type.String(),
  endpoint: Type.String(),
  stream: Type.Boolean(),
  tokensIn: Type.Integer(),
  tokensOut: Type.Integer(),
  cachedTokensIn: Type.Integer(),
  latencyMs: Type.Number(),
  timeToFirstTokenMs: Nullable(Type.Number()),
  cost: Nullable(Type.Number({ description: 'USD; null when the request was answered by a model with no known price (costSource unknown)' })),
  costSource: Type.Union([Type.Literal('catalog'), Type.Literal('override'), Type.Literal('unknown')]),
  usageSource: Type.Union([Type.Literal('provider'), Type.Literal('estimated'), Type.Literal('none')]),
  success: Type.Boolean(),
  statusCode: Type.Integer(),
  errorMessage: Type.Optional(Type.String()),
  attempts: Type.Array(LoggedAttemptSchema)
})

export type RequestLogEntry = Static<typeof RequestLogSchema>

/**
 * What the ring buffer holds: the record's own values, unrounded, with its attempts array as it was. Turned into
 * the API's shape (ISO time, rounded milliseconds) only when read, so logging a request allocates one object.
 */
export interface StoredLogEntry extends Omit<RequestLogEntry, 'timestamp' | 'attempts' | 'errorMessage'> {
  timestampMs: number
  errorMessage: string | undefined
  attempts: ReadonlyArray<{ provider: string, model: string, status: number, latencyMs: number }>
}

export interface LogFilter {
  limit: number
  provider?: string
  success?: boolean
}

export interface RequestLog {
  push: (entry: StoredLogEntry) => void
  /** Newest first. */
  list: (filter: LogFilter) => RequestLogEntry[]
  clear: () => void
}

/** A ring buffer of the last `capacity` records: bounded memory, O(1) to add. */
export function createRequestLog (capacity: number): RequestLog {
  const entries = new Array<StoredLogEntry | undefined>(capacity)
  let next = 0
  let size = 0
  return {
    push (entry) {
      entries[next] = entry
      next = (next + 1) % capacity
      if (size < capacity) size++
    },
    list (filter) {
      const found: RequestLogEntry[] = []
      for (let offset = 1; offset <= size && found.length < filter.limit; offset++) {
        const entry = entries[(next - offset + capacity) % capacity]
        if (entry === undefined) continue
        if (filter.provider !== undefined && entry.provider !== filter.provider) continue
        if (filter.success !== undefined && entry.success !== filter.success) continue
        found.push(toApiShape(entry))
      }
      return found
    },
    clear () {
      entries.fill(undefined)
      next = 0
      size = 0
    }
  }
}

function toApiShape (stored: StoredLogEntry): RequestLogEntry {
  const { timestampMs, errorMessage, attempts, ...rest } = stored
  const entry: RequestLogEntry = {
    ...rest,
    timestamp: new Date(timestampMs).toISOString(),
    latencyMs: roundMs(stored.latencyMs),
    timeToFirstTokenMs: stored.timeToFirstTokenMs === null ? null : roundMs(stored.timeToFirstTokenMs),
    attempts: attempts.map((attempt) => ({ provider: attempt.provider, model: attempt.model, status: attempt.status, latencyMs: roundMs(attempt.latencyMs) }))
  }
  if (errorMessage !== undefined) entry.errorMessage = errorMessage
  return entry
}
