import t from 'tap'
import { createRequestLog, type StoredLogEntry } from './request-log.ts'

const entry = (id: number, provider: string, success: boolean): StoredLogEntry => ({
  id: String(id),
  timestampMs: id,
  provider,
  model: 'm',
  endpoint: '/v1/chat/completions',
  stream: false,
  tokensIn: 0,
  tokensOut: 0,
  cachedTokensIn: 0,
  latencyMs: 1,
  timeToFirstTokenMs: null,
  cost: 0,
  costSource: 'catalog',
  usageSource: 'none',
  success,
  statusCode: success ? 200 : 502,
  errorMessage: success ? undefined : 'failed',
  attempts: [{ provider, model: 'm', status: success ? 200 : 502, latencyMs: 1.23456 }]
})

t.test('keeps the newest `capacity` records, newest first, filtered before the limit', async (t) => {
  const log = createRequestLog(5)
  for (let id = 1; id <= 12; id++) log.push(entry(id, id % 2 === 0 ? 'groq' : 'openai', id % 3 !== 0))
  t.same(log.list({ limit: 100 }).map((item) => item.id), ['12', '11', '10', '9', '8'])
  t.same(log.list({ limit: 2 }).map((item) => item.id), ['12', '11'])
  t.same(log.list({ limit: 100, provider: 'groq' }).map((item) => item.id), ['12', '10', '8'])
  t.same(log.list({ limit: 100, success: false }).map((item) => item.id), ['12', '9'])
  t.same(log.list({ limit: 1, provider: 'openai', success: true }).map((item) => item.id), ['11'])
  t.same(log.list({ limit: 1 })[0], {
    id: '12',
    timestamp: '1970-01-01T00:00:00.012Z',
    provider: 'groq',
    model: 'm',
    endpoint: '/v1/chat/completions',
    stream: false,
    tokensIn: 0,
    tokensOut: 0,
    cachedTokensIn: 0,
    latencyMs: 1,
    timeToFirstTokenMs: null,
    cost: 0,
    costSource: 'catalog',
    usageSource: 'none',
    success: false,
    statusCode: 502,
    errorMessage: 'failed',
    attempts: [{ provider: 'groq', model: 'm', status: 502, latencyMs: 1.235 }]
  }, 'read in the API shape: ISO time, milliseconds to the microsecond')
  t.notOk('errorMessage' in (log.list({ limit: 1, success: true })[0] ?? {}), 'no errorMessage on success')
  log.clear()
  t.same(log.list({ limit: 100 }), [])
  log.push(entry(13, 'groq', true))
  t.same(log.list({ limit: 100 }).map((item) => item.id), ['13'])
})
