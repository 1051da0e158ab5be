import t from 'tap'
import { createMemoryState } from '../shared-state/memory-state.ts'
import { createProviderLimiter } from './provider-limiter.ts'
import { rateLimitHeaders } from '../../providers/openai/rate-limits.ts'

const NOW = Date.UTC(2026, 11, 3, 12, 0, 10)
const noneLeft = { 'x-ratelimit-limit-requests': '3', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '50s' }
const tokens = (): number => 10

t.test('without declared limits, a provider\'s headers are read from its first 429 on, and not before', async (t) => {
  const limiter = createProviderLimiter('openai', undefined, rateLimitHeaders, createMemoryState(), () => 128_000)
  limiter.observe('gpt-4o-mini', 200, noneLeft, NOW)
  t.same(limiter.learned(NOW), [], 'a 200 from a provider nobody limits is not read')
  t.equal((await limiter.take('gpt-4o-mini', tokens, NOW)).busy, false)
  limiter.observe('gpt-4o-mini', 429, noneLeft, NOW)
  t.match(limiter.take('gpt-4o-mini', tokens, NOW + 1_000), { busy: true, reason: 'provider-requests', freesAt: NOW + 50_000 }, 'held until the stated reset')
  t.equal((await limiter.take('gpt-4o', tokens, NOW + 1_000)).busy, false, 'another model has figures of its own')
  limiter.observe('gpt-4o-mini', 200, { ...noneLeft, 'x-ratelimit-remaining-requests': '2' }, NOW + 2_000)
  t.equal((await limiter.take('gpt-4o-mini', tokens, NOW + 2_000)).busy, false, 'from then on every answer is read')
  t.equal((await limiter.take('gpt-4o-mini', tokens, NOW + 60_000)).busy, false, 'past the reset, nothing holds')
})

t.test('declared limits count in the shared state, held counts are given back, and a stated lower limit narrows', async (t) => {
  const state = createMemoryState(() => NOW)
  const limiter = createProviderLimiter('openai', { provider: { requestsPerMinute: 10, maxConcurrency: 2 }, models: new Map() }, rateLimitHeaders, state, () => 128_000)
  const first = await limiter.take('gpt-4o-mini', tokens, NOW)
  const second = await limiter.take('gpt-4o-mini', tokens, NOW)
  t.match(await limiter.take('gpt-4o-mini', tokens, NOW), { busy: true, reason: 'concurrency' })
  t.equal(first.busy || second.busy, false)
  if (!first.busy) first.release(undefined)
  t.equal((await limiter.take('gpt-4o-mini', tokens, NOW)).busy, false, 'a slot given back is taken again')
  limiter.observe('gpt-4o-mini', 200, { 'x-ratelimit-limit-requests': '3' }, NOW)
  t.match(await limiter.take('gpt-4o-mini', tokens, NOW), { busy: true, reason: 'requests', freesAt: NOW - (NOW % 60_000) + 60_000 }, 'three taken: the stated limit of 3 is full')
  t.match(await limiter.headroom(NOW), [{ limit: 'requests_per_minute', declared: 10, effective: 3, used: 3 }, { limit: 'concurrency', declared: 2, used: 2 }])
  t.equal(limiter.lane('gpt-4o-mini'), 'openai', 'provider-wide limits: one lane for all its models')
})
