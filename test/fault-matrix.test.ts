import t, { type Test } from 'tap'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { startSimulator as startMistral } from '../providers/mistral/simulator.ts'
import type { SimulatorFault } from '../src/dev/http-simulator.ts'
import type { Env } from '../src/config/config.ts'
import { freePort } from './bench/processes.ts'
import { readToEnd, simulatorEnv, startGateway, type TestGateway } from './helpers/gateway.ts'

// Issue #9's fault matrix: each way a provider can misbehave (DNS and connect failures included), seen by an OpenAI client and an Anthropic client,
// with what the request log and the Prometheus counters say, whether the request fell back (contract §3: only a
// retryable failure before the first byte, and never for a pinned request), and that the next request is served.
//
// Groq owns `llama-3.3-70b-versatile` and misbehaves; Mistral is its fallback. Each row gets a fresh gateway,
// so one row's cool-downs and circuit state cannot steer the next.

const groq = await startGroq()
const mistral = await startMistral()
t.teardown(() => Promise.all([groq.close(), mistral.close()]))

const TIMEOUTS = { REQUEST_TIMEOUT_MS: '400', STREAM_IDLE_TIMEOUT_MS: '300', STREAM_TIMEOUT_MS: '1500', CONNECT_TIMEOUT_MS: '1000' }
const OWNED = 'llama-3.3-70b-versatile'
const PINNED = `groq:${OWNED}`

interface Outcome {
  /** The status the client is told (200 for a stream that broke after its first event). */
  status: number
  openaiType: string
  anthropicType: string
  /** The status the request log and the `status` label record. */
  recorded: number
  /** The failed attempt's status, when it is not `recorded` (the provider's own, before it was made standard). */
  attempt?: number
  retryAfter?: string
  /** The stream had begun: the error arrives as an event, and nothing may fall back. */
  midStream?: boolean
  /** A retryable failure before the first byte: an unpinned request is answered by Mistral. */
  fallsBack: boolean
  /** The provider attempt's outcome label. */
  attemptOutcome: 'error' | 'rate_limited'
  /** What the request log's errorMessage must say, where the cause matters. */
  message?: RegExp
}

interface Row {
  name: string
  stream: boolean
  fault?: SimulatorFault
  /** Points Groq somewhere that refuses connections, or at a host name that does not resolve. */
  unreachable?: 'refused' | 'unresolvable'
  expect: Outcome
}

const before = (status: number, openaiType: string, anthropicType: string, extra: Partial<Outcome> = {}): Outcome =>
  ({ status, openaiType, anthropicType, recorded: status, fallsBack: true, attemptOutcome: 'error', ...extra })
const during = (recorded: number, openaiType: string, anthropicType: string): Outcome =>
  ({ status: 200, openaiType, anthropicType, recorded, midStream: true, fallsBack: false, attemptOutcome: 'error' })

const rows: Row[] = [
  { name: 'reset before answering', stream: false, fault: { kind: 'reset' }, expect: before(502, 'api_error', 'api_error') },
  { name: 'connection refused', stream: false, unreachable: 'refused', expect: before(502, 'api_error', 'api_error') },
  { name: 'DNS failure (a host under .invalid)', stream: false, unreachable: 'unresolvable', expect: before(502, 'api_error', 'api_error', { message: /ENOTFOUND|EAI_AGAIN/ }) },
  { name: 'no answer (first-byte timeout)', stream: false, fault: { kind: 'hang' }, expect: before(504, 'timeout_error', 'timeout_error') },
  { name: 'bytes dripping forever (total timeout)', stream: false, fault: { kind: 'drip', intervalMs: 50 }, expect: before(504, 'timeout_error', 'timeout_error', { message: /no complete answer within 400 ms/ }) },
  { name: 'malformed JSON', stream: false, fault: { kind: 'malformed' }, expect: before(502, 'api_error', 'api_error') },
  { name: 'truncated JSON', stream: false, fault: { kind: 'truncate' }, expect: before(502, 'api_error', 'api_error') },
  { name: 'a 200 with an error body', stream: false, fault: { kind: 'error-body' }, expect: before(502, 'api_error', 'api_error') },
  { name: '429 with retry-after', stream: false, fault: { kind: 'status', status: 429, retryAfter: '7' }, expect: before(429, 'rate_limit_error', 'rate_limit_error', { retryAfter: '7', attemptOutcome: 'rate_limited' }) },
  { name: '429 without retry-after', stream: false, fault: { kind: 'status', status: 429 }, expect: before(429, 'rate_limit_error', 'rate_limit_error', { attemptOutcome: 'rate_limited' }) },
  { name: '500', stream: false, fault: { kind: 'status', status: 500 }, expect: before(500, 'api_error', 'api_error') },
  { name: '500 with retry-after', stream: false, fault: { kind: 'status', status: 500, retryAfter: '4' }, expect: before(500, 'api_error', 'api_error', { retryAfter: '4' }) },
  { name: '503', stream: false, fault: { kind: 'status', status: 503 }, expect: before(503, 'service_unavailable_error', 'overloaded_error') },
  { name: '503 with retry-after', stream: false, fault: { kind: 'status', status: 503, retryAfter: '2' }, expect: before(503, 'service_unavailable_error', 'overloaded_error', { retryAfter: '2' }) },
  { name: '529', stream: false, fault: { kind: 'status', status: 529 }, expect: before(503, 'service_unavailable_error', 'overloaded_error', { attempt: 529 }) },
  { name: '529 with retry-after', stream: false, fault: { kind: 'status', status: 529, retryAfter: '5' }, expect: before(503, 'service_unavailable_error', 'overloaded_error', { attempt: 529, retryAfter: '5' }) },
  { name: '400 (the request is at fault: never retried)', stream: false, fault: { kind: 'status', status: 400 }, expect: before(400, 'invalid_request_error', 'invalid_request_error', { fallsBack: false }) },
  { name: 'stream: 503 before the first event', stream: true, fault: { kind: 'status', status: 503 }, expect: before(503, 'service_unavailable_error', 'overloaded_error') },
  { name: 'stream: reset before the first event', stream: true, fault: { kind: 'reset' }, expect: before(502, 'api_error', 'api_error') },
  { name: 'stream: no first event (first-byte timeout)', stream: true, fault: { kind: 'drip', intervalMs: 50 }, expect: before(504, 'timeout_error', 'timeout_error', { message: /no first chunk within 400 ms/ }) },
  { name: 'stream: reset after 3 events', stream: true, fault: { kind: 'stall-after', events: 3, reset: true }, expect: during(502, 'api_error', 'api_error') },
  { name: 'stream: silent after 3 events (idle timeout)', stream: true, fault: { kind: 'stall-after', events: 3 }, expect: { ...during(504, 'timeout_error', 'timeout_error'), message: /300 ms/ } },
  { name: 'stream: bytes dripping after 3 events, no event completes', stream: true, fault: { kind: 'drip', intervalMs: 50, events: 3 }, expect: { ...during(504, 'timeout_error', 'timeout_error'), message: /no event for 300 ms/ } },
  { name: 'stream: malformed event', stream: true, fault: { kind: 'malformed' }, expect: during(502, 'api_error', 'api_error') },
  { name: 'stream: truncated event, then the connection ends', stream: true, fault: { kind: 'truncate', events: 3 }, expect: during(502, 'api_error', 'api_error') },
  { name: 'stream: error event inside a 200', stream: true, fault: { kind: 'error-body', events: 3 }, expect: during(502, 'api_error', 'api_error') }
]

interface Answer { status: number, text: string, retryAfter: string | null, attempts: string | null }

async function send (gateway: TestGateway, ingress: 'openai' | 'anthropic', model: string, stream: boolean): Promise<Answer> {
  const messages = [{ role: 'user', content: 'hello there friend' }]
  const response = await fetch(`${gateway.url}${ingress === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(ingress === 'anthropic' ? { 'anthropic-version': '2023-06-01' } : {}) },
    body: JSON.stringify({ model, stream, messages, ...(ingress === 'anthropic' ? { max_tokens: 50 } : {}) })
  })
  return {
    status: response.status,
    text: (await readToEnd(response.body?.getReader())).text,
    retryAfter: response.headers.get('retry-after'),
    attempts: response.headers.get('x-switchyard-attempts')
  }
}

function assertFailure (t: Test, ingress: 'openai' | 'anthropic', answer: Answer, expect: Outcome): void {
  t.equal(answer.status, expect.status, `${ingress}: status`)
  if (expect.midStream === true) {
    if (ingress === 'openai') {
      const last = answer.text.trimEnd().split('\n\n').at(-1) ?? ''
      t.match(JSON.parse(last.replace(/^data: /, '')), { error: { type: expect.openaiType, message: String } }, 'openai: the stream ends with an error chunk')
      t.notMatch(answer.text, /\[DONE\]/, 'openai: and no [DONE]')
    } else {
      t.match(answer.text, new RegExp(`event: error\\ndata: \\{"type":"error","error":\\{"type":"${expect.anthropicType}"`), 'anthropic: an error event')
      t.notMatch(answer.text, /message_stop/, 'anthropic: and no message_stop')
    }
    return
  }
  const body = JSON.parse(answer.text) as Record<string, unknown>
  if (ingress === 'openai') t.match(body, { error: { type: expect.openaiType, message: /groq|Groq/ } }, 'openai: error shape, naming the provider')
  else t.match(body, { type: 'error', error: { type: expect.anthropicType, message: /groq|Groq/ } }, 'anthropic: error shape, naming the provider')
  t.equal(answer.retryAfter, expect.retryAfter ?? null, `${ingress}: retry-after`)
}

async function lastLog (gateway: TestGateway): Promise<Record<string, unknown>> {
  const body = await (await fetch(`${gateway.url}/providers/logs?limit=1`)).json() as { logs: Array<Record<string, unknown>> }
  return body.logs[0] ?? {}
}

async function counters (gateway: TestGateway): Promise<Map<string, Array<{ labels: Record<string, string>, value: number }>>> {
  const families = parsePrometheusTextFormat(await (await fetch(`${gateway.url}/metrics`)).text())
  return new Map(families.map((family) => [family.name, family.metrics.map((sample) => ({ labels: sample.labels ?? {}, value: Number(sample.value) }))]))
}

function countOf (samples: Array<{ labels: Record<string, string>, value: number }> | undefined, labels: Record<string, string>): number {
  return (samples ?? [])
    .filter((sample) => Object.entries(labels).every(([name, value]) => sample.labels[name] === value))
    .reduce((total, sample) => total + sample.value, 0)
}

for (const row of rows) {
  t.test(row.name, async (t) => {
    groq.reset()
    mistral.reset()
    const env: Env = { ...simulatorEnv({ groq, mistral }), ...TIMEOUTS, DEFAULT_PROVIDER: 'groq', MISTRAL_DISPATCH_MODE: 'fallback' }
    if (row.unreachable === 'refused') env.GROQ_BASE_URL = `http://127.0.0.1:${await freePort()}/openai/v1`
    if (row.unreachable === 'unresolvable') {
      // RFC 6761: .invalid never resolves. A resolver that is slow to say so must not turn it into a connect timeout.
      env.GROQ_BASE_URL = 'http://switchyard-fault-matrix.invalid/openai/v1'
      env.CONNECT_TIMEOUT_MS = '20000'
    }
    const gateway = await startGateway(t, env)
    const { expect } = row
    const attempt = expect.attempt ?? expect.recorded
    const inject = (): void => { if (row.fault !== undefined) groq.fail(row.fault) }

    // Unpinned first: a fresh gateway has no cool-down or open circuit to skip Groq for.
    inject()
    const unpinned = await send(gateway, 'openai', OWNED, row.stream)
    if (expect.fallsBack) {
      t.equal(unpinned.status, 200, 'unpinned: answered by the fallback')
      t.equal(unpinned.attempts, `groq:${attempt},mistral:200`, 'unpinned: the attempts header tells')
      if (row.stream) t.match(unpinned.text, /data: \[DONE\]\n\n$/)
      t.match(await lastLog(gateway), { success: true, provider: 'mistral', statusCode: 200, attempts: [{ provider: 'groq', status: attempt }, { provider: 'mistral', status: 200 }] })
    } else {
      assertFailure(t, 'openai', unpinned, expect)
      t.equal(mistral.requests.length, 0, 'unpinned: no fallback')
    }

    for (const ingress of ['openai', 'anthropic'] as const) {
      inject()
      const pinned = await send(gateway, ingress, PINNED, row.stream)
      assertFailure(t, ingress, pinned, expect)
      t.match(await lastLog(gateway), {
        endpoint: ingress === 'openai' ? '/v1/chat/completions' : '/v1/messages',
        provider: 'groq',
        stream: row.stream,
        success: false,
        statusCode: expect.recorded,
        errorMessage: expect.message ?? String,
        attempts: [{ provider: 'groq', status: attempt }]
      }, `${ingress}: the request log`)
    }
    t.equal(mistral.requests.length, expect.fallsBack ? 1 : 0, 'a pinned request never falls back')

    const metrics = await counters(gateway)
    const stream = String(row.stream)
    const failed = { provider: 'groq', status: String(expect.recorded), stream }
    t.equal(countOf(metrics.get('switchyard_requests_total'), { ...failed, endpoint: '/v1/chat/completions' }), expect.fallsBack ? 1 : 2, 'prometheus: failed chat completions')
    t.equal(countOf(metrics.get('switchyard_requests_total'), { ...failed, endpoint: '/v1/messages' }), 1, 'prometheus: failed messages')
    t.equal(countOf(metrics.get('switchyard_provider_attempts_total'), { provider: 'groq', outcome: expect.attemptOutcome, status: String(attempt) }), 3, 'prometheus: three failed Groq attempts')
    t.equal(countOf(metrics.get('switchyard_provider_attempts_total'), { provider: 'mistral', outcome: 'success' }), expect.fallsBack ? 1 : 0, 'prometheus: the fallback attempt')

    // With Groq unreachable, "normally" means the next request to a provider that is there.
    const next = await send(gateway, 'openai', row.unreachable !== undefined ? 'mistral:mistral-small-latest' : PINNED, row.stream)
    t.equal(next.status, 200, 'the next request is served normally')
    if (row.stream) t.match(next.text, /data: \[DONE\]\n\n$/)
  })
}

t.test('a stream whose events never stop is ended at STREAM_TIMEOUT_MS, for both ingresses', async (t) => {
  groq.reset()
  const gateway = await startGateway(t, { ...simulatorEnv({ groq }), ...TIMEOUTS, STREAM_TIMEOUT_MS: '600' })
  const abandonedBefore = groq.abandoned
  for (const ingress of ['openai', 'anthropic'] as const) {
    groq.script = { chunkCount: 1000, chunkDelayMs: 20 }
    const started = Date.now()
    const answer = await send(gateway, ingress, PINNED, true)
    const elapsed = Date.now() - started
    assertFailure(t, ingress, answer, during(504, 'timeout_error', 'timeout_error'))
    t.ok(elapsed >= 600 && elapsed < 5000, `${ingress}: ended after the total timeout, not at the stream's end (${elapsed} ms)`)
    t.match(await lastLog(gateway), { success: false, statusCode: 504, stream: true, errorMessage: /600 ms/ })
  }
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(groq.abandoned - abandonedBefore, 2, 'both upstream calls were cut')
})
