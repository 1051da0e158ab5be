import type { RateLimitHeaders } from '../../src/provider/rate-limit-headers.ts'

// Mistral states per-minute limits and what is left, but no reset time, so only the limits are read.
export const rateLimitHeaders: RateLimitHeaders = {
  requests: { limit: 'x-ratelimit-limit-req-minute', perMinute: true },
  tokens: { limit: 'x-ratelimit-limit-tokens-minute', perMinute: true }
}
