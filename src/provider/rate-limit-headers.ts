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
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text.trim())) return undefined
  return Math.floor(Number(text))
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 }

/** Epoch ms from a reset header: `2m59.56s`-style durations, plain seconds, or an RFC 3339 time. */
export function parseReset (text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined
  const value = text.trim()
  if (/^\d+(\.\d+)?$/.test(value)) return now + Number(value) * 1000
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const at = Date.parse(value)
    return Number.isNaN(at) ? undefined : at
  }
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(value)) return undefined
  let ms = 0
  for (const [, amount, unit] of value.matchAll(DURATION_PART)) ms += Number(amount) * (UNIT_MS[unit as string] as number)
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
