import type { RateLimitHeaders } from '../../src/provider/rate-limit-headers.ts'

// OpenAI's limits are per minute, per model; resets are durations such as `6m0s` or `12ms` (docs/wire/openai.md §6).
export const rateLimitHeaders: RateLimitHeaders = {
  requests: { limit: 'x-ratelimit-limit-requests', perMinute: true, remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' },
  tokens: { limit: 'x-ratelimit-limit-tokens', perMinute: true, remaining: 'x-ratelimit-remaining-tokens', reset: 'x-ratelimit-reset-tokens' }
}
