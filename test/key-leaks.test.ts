import t from 'tap'
import { PINNED_MODELS, startAllSimulators, simulatorEnv, startGateway } from './helpers/gateway.ts'

// Providers echo keys back in error text. Whatever way an error leaves the gateway (a status error, an error
// event inside a stream, translated or passed straight through) it goes through the same scrubber: no
// provider key reaches a client, a log line, the request log or the metrics, for any of the seven providers.
// The client's own credentials (key, cookies) never go upstream.

const all = await startAllSimulators(t)
const clientKey = 'client-secret-key-123456'
const gateway = await startGateway(t, { ...simulatorEnv(all), GATEWAY_API_KEYS: clientKey, LOG_LEVEL: 'trace' })
const clientHeaders = {
  'content-type': 'application/json',
  authorization: `Bearer ${clientKey}`,
  cookie: 'session=client-cookie-secret',
  'anthropic-version': '2023-06-01'
}

async function send (path: string, body: unknown): Promise<string> {
  const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: clientHeaders, body: JSON.stringify(body) })
  return `${response.status} ${[...response.headers].join(' ')} ${await response.text()}`
}

t.test('a key echoed in an error, of any provider, on either ingress, streamed or not, is scrubbed everywhere', async (t) => {
  const answers: string[] = []
  for (const [name, simulator] of Object.entries(all)) {
    const model = PINNED_MODELS[name as keyof typeof PINNED_MODELS]
    const echo = `Invalid API key provided: ${simulator.apiKey}`
    for (const stream of [false, true]) {
      const chat = { model, stream, messages: [{ role: 'user', content: 'hi' }] }
      const messages = { model, stream, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }
      simulator.fail({ kind: 'status', status: 401, message: echo })
      answers.push(await send('/v1/chat/completions', chat))
      simulator.fail({ kind: 'status', status: 401, message: echo })
      answers.push(await send('/v1/messages', messages))
      if (!stream) continue
      // The error arrives inside a stream that has begun: as the provider's own error event.
      simulator.fail({ kind: 'error-body', events: 2, message: echo })
      answers.push(await send('/v1/chat/completions', chat))
      simulator.fail({ kind: 'error-body', events: 2, message: echo })
      answers.push(await send('/v1/messages', messages))
    }
  }
  t.equal(answers.length, 42)
  // Mistral answers a 401 with its own fixed text, and some translated stream errors do not quote the provider's
  // message; every other answer quoted the key, scrubbed.
  const scrubbed = answers.filter((answer) => answer.includes('[redacted]')).length
  t.ok(scrubbed >= 34, `${scrubbed} of 42 answers quoted the provider's message, scrubbed`)
  const logs = await fetch(`${gateway.url}/providers/logs?limit=1000`, { headers: clientHeaders }).then(async (response) => await response.text())
  const metrics = await fetch(`${gateway.url}/metrics`, { headers: clientHeaders }).then(async (response) => await response.text())
  t.ok(logs.includes('[redacted]'), 'the request log has the scrubbed messages')
  for (const [name, simulator] of Object.entries(all)) {
    t.notOk(answers.some((answer) => answer.includes(simulator.apiKey)), `${name}'s key is in no answer`)
    t.notOk(logs.includes(simulator.apiKey), `${name}'s key is not in /providers/logs`)
    t.notOk(metrics.includes(simulator.apiKey), `${name}'s key is not in /metrics`)
    t.notOk(gateway.logs.some((line) => line.includes(simulator.apiKey)), `${name}'s key is in no log line`)
  }
})

t.test('the client\'s key and cookies never go upstream, to any provider', async (t) => {
  for (const [name, simulator] of Object.entries(all)) {
    simulator.reset()
    const model = PINNED_MODELS[name as keyof typeof PINNED_MODELS]
    await send('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] })
    await send('/v1/messages', { model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })
    t.equal(simulator.requests.length, 2, `${name} was called twice`)
    for (const request of simulator.requests) {
      const sent = JSON.stringify(request.headers)
      t.notOk(sent.includes(clientKey), `${name}: no client key upstream`)
      t.notOk(sent.includes('client-cookie-secret') || 'cookie' in request.headers, `${name}: no cookie upstream`)
    }
  }
  t.notOk(gateway.logs.some((line) => line.includes(clientKey) || line.includes('client-cookie-secret')), 'nor in a log line')
})
