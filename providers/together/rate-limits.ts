import type { RateLimitHeaders } from '../../src/provider/rate-limit-headers.ts'

// Together's limits are dynamic and their window is not documented, so only what is left and when it refills is read.
export const rateLimitHeaders: RateLimitHeaders = {
  requests: { remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' },
  tokens: { remaining: 'x-ratelimit-remaining-tokens', reset: 'x-ratelimit-reset-tokens' }
}
