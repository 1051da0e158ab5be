import type { RateLimitHeaders } from '../../src/provider/rate-limit-headers.ts'

// Anthropic's limits are per minute; resets are RFC 3339 times (docs/wire/anthropic.md).
export const rateLimitHeaders: RateLimitHeaders = {
  requests: { limit: 'anthropic-ratelimit-requests-limit', perMinute: true, remaining: 'anthropic-ratelimit-requests-remaining', reset: 'anthropic-ratelimit-requests-reset' },
  tokens: { limit: 'anthropic-ratelimit-tokens-limit', perMinute: true, remaining: 'anthropic-ratelimit-tokens-remaining', reset: 'anthropic-ratelimit-tokens-reset' }
}
