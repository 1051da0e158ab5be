import t from 'tap'
import { startSimulator as startAnthropic } from '../providers/anthropic/simulator.ts'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { readToEnd, simulatorEnv, startGateway } from './helpers/gateway.ts'
import type { ProviderSimulator, SimulatorFault } from '../src/dev/http-simulator.ts'

// Provider faults seen through /v1/messages, on both paths (pass-through to Anthropic, translation to Groq):
// the client's exact outcome in Anthropic's shape, what the request log says, and that the next request is fine.

const anthropic = await startAnthropic()
const groq = await startGroq()
t.teardown(() => Promise.all([anthropic.close(), groq.close()]))
const gateway = await startGateway(t, { ...simulatorEnv({ anthropic, groq }), STREAM_IDLE_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '2000' })
t.beforeEach(() => { anthropic.reset(); groq.reset() })

async function messages (model: string, stream: boolean): Promise<{ status: number, text: string, retryAfter: string | null }> {
  const response = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, max_tokens: 50, stream, messages: [{ role: 'user', content: 'hello there friend' }] })
  })
  return { status: response.status, text: (await readToEnd(response.body?.getReader())).text, retryAfter: response.headers.get('retry-after') }
}

async function lastLog (): Promise<Record<string, unknown>> {
  const body = await (await fetch(`${gateway.url}/providers/logs?limit=1`)).json() as { logs: Array<Record<string, unknown>> }
  return body.logs[0] ?? {}
}

const paths: Array<[string, ProviderSimulator, string]> = [
  ['pass-through', anthropic, 'anthropic:claude-sonnet-4-6'],
  ['translated', groq, 'groq:llama-3.3-70b-versatile']
]

for (const [name, simulator, model] of paths) {
  t.test(`${name}: failures before the first byte are errors in Anthropic's shape, with the right status`, async (t) => {
    const cases: Array<[SimulatorFault, number, string]> = [
      [{ kind: 'reset' }, 502, 'api_error'],
      [{ kind: 'status', status: 429, retryAfter: '3' }, 429, 'rate_limit_error'],
      [{ kind: 'status', status: 503 }, 503, 'overloaded_error'],
      [{ kind: 'malformed' }, 502, 'api_error']
    ]
    for (const [fault, status, type] of cases) {
      simulator.fail(fault)
      const outcome = await messages(model, false)
      t.equal(outcome.status, status, `${fault.kind} ${'status' in fault ? fault.status : ''}`)
      t.match(JSON.parse(outcome.text), { type: 'error', error: { type, message: String } })
      if (status === 429) t.equal(outcome.retryAfter, '3')
      t.match(await lastLog(), { endpoint: '/v1/messages', success: false, statusCode: status })
    }
    t.equal((await messages(model, false)).status, 200, 'the next request is served normally')
  })

  t.test(`${name}: a stream that breaks or goes silent after its first byte ends with an error event`, async (t) => {
    simulator.fail({ kind: 'stall-after', events: 3, reset: true })
    const reset = await messages(model, true)
    t.equal(reset.status, 200)
    t.match(reset.text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error"/)
    t.notMatch(reset.text, /message_stop/)
    t.match(await lastLog(), { stream: true, success: false })

    simulator.fail({ kind: 'stall-after', events: 3 })
    const silent = await messages(model, true)
    t.match(silent.text, /event: error\ndata: \{"type":"error","error":\{"type":"timeout_error"/, 'the idle timeout')
    t.match(await lastLog(), { stream: true, success: false, statusCode: 504 })

    const healthy = await messages(model, true)
    t.match(healthy.text, /event: message_stop/, 'the next stream is whole')
  })

  t.test(`${name}: a stream cut mid-event, dripping bytes, or carrying the provider's error ends with one well-formed error event`, async (t) => {
    const cases: Array<[SimulatorFault, string, RegExp]> = [
      [{ kind: 'truncate', events: 3 }, 'api_error', /ended|not JSON|stream/],
      [{ kind: 'drip', intervalMs: 30, events: 3 }, 'timeout_error', /no event for 300 ms/],
      [{ kind: 'error-body', events: 3 }, 'api_error', /Simulated error inside a 200 answer/]
    ]
    for (const [fault, type, cause] of cases) {
      simulator.fail(fault)
      const outcome = await messages(model, true)
      t.equal(outcome.status, 200, fault.kind)
      const events = outcome.text.split('\n\n').filter((event) => event !== '')
      t.ok(events.every((event) => /^event: \w+\ndata: \{.*\}$/s.test(event)), `${fault.kind}: every event is whole`)
      t.match(events.at(-1), new RegExp(`^event: error\ndata: \\{"type":"error","error":\\{"type":"${type}"`), `${fault.kind}: the last is the error`)
      t.match(await lastLog(), { stream: true, success: false, errorMessage: cause })
    }
  })
}
