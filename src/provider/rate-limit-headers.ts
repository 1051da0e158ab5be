import { Type, type Static } from '@sinclair/typebox'

/**
 * Which of a provider's response headers say what about its rate limits, declared in the provider's folder so that
 * the core reads no provider's header names. `limit` is read as a per-minute limit only when `perMinute` is set:
 * Groq's `x-ratelimit-limit-requests`, for one, counts requests per day.
 */
export const RateLimitFamilySchema = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$' })),
  perMinute: Type.Optional(Type.Boolean()),
  remaining: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$' })),
  /** When the remaining count is whole again: a duration (`6m0s`, `7.66s`, `12ms`), seconds, or an RFC 3339 time. */
  reset: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$' }))
})

export const RateLimitHeadersSchema = Type.Object({
  requests: Type.Optional(RateLimitFamilySchema),
  tokens: Type.Optional(RateLimitFamilySchema)
})

export type RateLimitFamily = Static<typeof RateLimitFamilySchema>
export type RateLimitHeaders = Static<typeof RateLimitHeadersSchema>

/** What one answer's headers said about one family: a per-minute limit, and how many are left until when. */
export interface RateLimitReading {
  limitPerMinute?: number
  remaining?: number
  /** Epoch ms. */
  resetAt?: number
}

type Headers = Record<string, string | string[] | undefined>

function header (headers: Headers, name: string | undefined): string | undefined {
  if (name === undefined) return undefined
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function count (text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined
  const value = Number(text)
  return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 }

/**
 * Epoch ms from a reset header: `2m59.56s`-style durations, plain seconds, or an RFC 3339 time. Read on every
 * answer, so a duration is scanned by hand rather than with a global regular expression.
 */
export function parseReset (text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined
  const value = text.trim()
  if (value === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds >= 0 ? now + seconds * 1000 : undefined
  if (value.length > 10 && value.charCodeAt(4) === 45 /* - */ && value.charCodeAt(10) === 84 /* T */) {
    const at = Date.parse(value)
    return Number.isNaN(at) ? undefined : at
  }
  let ms = 0
  let at = 0
  while (at < value.length) {
    let end = at
    while (end < value.length && ((value.charCodeAt(end) >= 48 && value.charCodeAt(end) <= 57) || value.charCodeAt(end) === 46)) end++
    if (end === at) return undefined
    const amount = Number(value.slice(at, end))
    const unit = value.startsWith('ms', end) ? 'ms' : value[end] ?? ''
    const unitMs = UNIT_MS[unit]
    if (unitMs === undefined || Number.isNaN(amount)) return undefined
    ms += amount * unitMs
    at = end + unit.length
  }
  return now + ms
}

export function readRateLimitFamily (family: RateLimitFamily | undefined, headers: Headers, now: number): RateLimitReading | undefined {
  if (family === undefined) return undefined
  const reading: RateLimitReading = {}
  const limit = family.perMinute === true ? count(header(headers, family.limit)) : undefined
  if (limit !== undefined && limit > 0) reading.limitPerMinute = limit
  const remaining = count(header(headers, family.remaining))
  const resetAt = parseReset(header(headers, family.reset), now)
  // A count without the moment it refills says nothing that can be acted on.
  if (remaining !== undefined && resetAt !== undefined) {
    reading.remaining = remaining
    reading.resetAt = resetAt
  }
  return reading.limitPerMinute === undefined && reading.resetAt === undefined ? undefined : reading
}
