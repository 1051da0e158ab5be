import t from 'tap'
import fc from 'fast-check'
import { startSimulator } from '../providers/groq/simulator.ts'
import { simulatorEnv, startGateway } from './helpers/gateway.ts'

// Property: whatever body a client sends to either ingress, the answer is a success or a 4xx in that
// protocol's own error shape — never a 5xx, never a hang. FUZZ_RUNS raises the case count (default 400 each).

const RUNS = Number(process.env.FUZZ_RUNS ?? 400)
const groq = await startSimulator()
t.teardown(() => groq.close())
const gateway = await startGateway(t, { ...simulatorEnv({ groq }), DEFAULT_PROVIDER: 'groq', LOG_LEVEL: 'silent' })

interface Route { path: string, isErrorShape: (body: unknown) => boolean, headers: Record<string, string> }
const ROUTES: Route[] = [
  {
    path: '/v1/chat/completions',
    headers: {},
    isErrorShape: (body) => {
      const error = (body as { error?: Record<string, unknown> }).error
      return error !== undefined && typeof error.message === 'string' && typeof error.type === 'string' && 'param' in error && 'code' in error
    }
  },
  {
    path: '/v1/messages',
    headers: { 'anthropic-version': '2023-06-01' },
    isErrorShape: (body) => {
      const shaped = body as { type?: unknown, error?: { type?: unknown, message?: unknown } }
      return shaped.type === 'error' && typeof shaped.error?.type === 'string' && typeof shaped.error.message === 'string'
    }
  }
]

async function send (route: Route, payload: string): Promise<{ status: number, body: unknown }> {
  const response = await gateway.app.inject({ method: 'POST', url: route.path, headers: { 'content-type': 'application/json', ...route.headers }, payload })
  let body: unknown
  try {
    body = JSON.parse(response.body)
  } catch {
    body = response.body
  }
  return { status: response.statusCode, body }
}

function parses (payload: string): boolean {
  try {
    JSON.parse(payload)
    return true
  } catch {
    return false
  }
}

function holds (route: Route, outcome: { status: number, body: unknown }): boolean {
  if (outcome.status >= 500) return false
  if (outcome.status >= 400) return route.isErrorShape(outcome.body)
  return outcome.status === 200
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('', '\u0000', '\uD800', '💥'.repeat(500), 'a'.repeat(70_000)))
const role = fc.oneof(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool'), text)
const chatLike = fc.record({
  model: fc.oneof(fc.constantFrom('llama-3.3-70b-versatile', 'groq:llama-3.1-8b-instant', 'nosuch:model', ''), text, fc.integer()),
  messages: fc.oneof(fc.array(fc.record({ role, content: fc.oneof(text, fc.jsonValue()) }, { requiredKeys: [] }), { maxLength: 6 }), fc.jsonValue()),
  max_tokens: fc.oneof(fc.integer(), fc.double(), text),
  temperature: fc.oneof(fc.double(), text),
  tools: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.jsonValue()),
  stream: fc.oneof(fc.boolean(), fc.jsonValue())
}, { requiredKeys: [] })

for (const route of ROUTES) {
  t.test(`${route.path}: random JSON values`, async (t) => {
    await fc.assert(fc.asyncProperty(fc.jsonValue(), async (value) => holds(route, await send(route, JSON.stringify(value)))), { numRuns: RUNS })
    t.pass('every case answered in shape')
  })

  t.test(`${route.path}: request-shaped bodies with wrong types, unicode edges and huge strings`, async (t) => {
    await fc.assert(fc.asyncProperty(chatLike, async (value) => holds(route, await send(route, JSON.stringify(value)))), { numRuns: RUNS })
    t.pass('every case answered in shape')
  })

  t.test(`${route.path}: truncated and corrupted JSON`, async (t) => {
    const valid = JSON.stringify({ model: 'llama-3.3-70b-versatile', max_tokens: 10, messages: [{ role: 'user', content: 'hello "world" \u00e9' }] })
    await fc.assert(fc.asyncProperty(fc.nat(valid.length - 1), fc.string({ maxLength: 3 }), async (cut, junk) => {
      const payload = valid.slice(0, cut) + junk
      const outcome = await send(route, payload)
      // Cutting before the last "}" and adding "}" rebuilds a valid body; only broken JSON must be refused.
      if (parses(payload)) return holds(route, outcome)
      return outcome.status >= 400 && outcome.status < 500 && route.isErrorShape(outcome.body)
    }), { numRuns: Math.max(100, RUNS / 2) })
    t.pass('every broken cut is a 4xx in shape')
  })

  t.test(`${route.path}: deeply nested values`, async (t) => {
    for (const depth of [100, 10_000, 100_000]) {
      const nested = '['.repeat(depth) + ']'.repeat(depth)
      const outcome = await send(route, `{"model":"llama-3.3-70b-versatile","max_tokens":5,"messages":${nested}}`)
      t.ok(outcome.status >= 400 && outcome.status < 500 && route.isErrorShape(outcome.body), `depth ${depth}: ${outcome.status}`)
    }
  })
}
