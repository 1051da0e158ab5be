import t from 'tap'
import { parseReset, readRateLimitFamily } from './rate-limit-headers.ts'
import { rateLimitHeaders as openai } from '../../providers/openai/rate-limits.ts'
import { rateLimitHeaders as groq } from '../../providers/groq/rate-limits.ts'
import { rateLimitHeaders as anthropic } from '../../providers/anthropic/rate-limits.ts'
import { rateLimitHeaders as mistral } from '../../providers/mistral/rate-limits.ts'

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0)

t.test('resets as each provider writes them', async (t) => {
  t.equal(parseReset('6m0s', NOW), NOW + 360_000)
  t.equal(parseReset('2m59.56s', NOW), NOW + 179_560)
  t.equal(parseReset('7.66s', NOW), NOW + 7_660)
  t.equal(parseReset('12ms', NOW), NOW + 12)
  t.equal(parseReset('1h2m3s', NOW), NOW + 3_723_000)
  t.equal(parseReset('30', NOW), NOW + 30_000, 'plain seconds')
  t.equal(parseReset('2026-12-03T12:00:42Z', NOW), NOW + 42_000, 'RFC 3339')
  for (const bad of ['soon', '', '5 minutes', '-3s', '2026-13-45T99:00:00Z', 'ms', '1.2.3s']) t.equal(parseReset(bad, NOW), undefined, `'${bad}' is not a reset`)
  t.equal(parseReset(undefined, NOW), undefined)
})

t.test('each provider folder\'s names, read off real-looking headers', async (t) => {
  t.same(readRateLimitFamily(openai.requests, { 'x-ratelimit-limit-requests': '10000', 'x-ratelimit-remaining-requests': '9999', 'x-ratelimit-reset-requests': '6ms' }, NOW),
    { limitPerMinute: 10000, remaining: 9999, resetAt: NOW + 6 })
  t.same(readRateLimitFamily(groq.requests, { 'x-ratelimit-limit-requests': '14400', 'x-ratelimit-remaining-requests': '14370', 'x-ratelimit-reset-requests': '2m59.56s' }, NOW),
    { remaining: 14370, resetAt: NOW + 179_560 }, 'Groq\'s request limit is per day: not read as a per-minute limit')
  t.same(readRateLimitFamily(groq.tokens, { 'x-ratelimit-limit-tokens': '6000', 'x-ratelimit-remaining-tokens': '5997', 'x-ratelimit-reset-tokens': '7.66s' }, NOW),
    { limitPerMinute: 6000, remaining: 5997, resetAt: NOW + 7_660 })
  t.same(readRateLimitFamily(anthropic.tokens, { 'anthropic-ratelimit-tokens-limit': '80000', 'anthropic-ratelimit-tokens-remaining': '0', 'anthropic-ratelimit-tokens-reset': '2026-12-03T12:00:30Z' }, NOW),
    { limitPerMinute: 80000, remaining: 0, resetAt: NOW + 30_000 })
  t.same(readRateLimitFamily(mistral.requests, { 'x-ratelimit-limit-req-minute': '60', 'x-ratelimit-remaining-req-minute': '0' }, NOW),
    { limitPerMinute: 60 }, 'a count left without its reset is not acted on')
  t.equal(readRateLimitFamily(openai.requests, {}, NOW), undefined, 'no headers, nothing learned')
  t.equal(readRateLimitFamily(openai.requests, { 'x-ratelimit-limit-requests': 'lots', 'x-ratelimit-remaining-requests': '-1', 'x-ratelimit-reset-requests': '1s' }, NOW), undefined, 'garbage is ignored')
  t.same(readRateLimitFamily(openai.requests, { 'x-ratelimit-limit-requests': ['5', '7'] }, NOW), { limitPerMinute: 5 }, 'a repeated header: the first')
})
