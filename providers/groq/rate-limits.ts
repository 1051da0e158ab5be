import type { RateLimitHeaders } from '../../src/provider/rate-limit-headers.ts'

// Groq's request limit is per day and its token limit per minute; resets are durations such as `2m59.56s`.
export const rateLimitHeaders: RateLimitHeaders = {
  requests: { remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' },
  tokens: { limit: 'x-ratelimit-limit-tokens', perMinute: true, remaining: 'x-ratelimit-remaining-tokens', reset: 'x-ratelimit-reset-tokens' }
}
