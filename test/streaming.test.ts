import t from 'tap'
import { createServer } from 'node:net'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { startSimulator as startAnthropic } from '../providers/anthropic/simulator.ts'
import { postChat, readToEnd, simulatorEnv, startGateway, startSimulators } from './helpers/gateway.ts'

const chat = (model: string, stream: boolean) => JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] })

/** SSE `data:` payloads of a whole response body. */
function dataLines (text: string): string[] {
  return text.split('\n\n').filter((event) => event.startsWith('data: ')).map((event) => event.slice(6))
}

t.test('a client that disconnects mid-stream aborts the upstream request at once', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  simulators.groq.script = { chunkCount: 200, chunkDelayMs: 20 }
  const controller = new AbortController()
  const response = await postChat(gateway.url, chat('groq:llama-3.3-70b-versatile', true), { signal: controller.signal })
  const reader = response.body?.getReader()
  const first = await reader?.read()
  t.match(Buffer.from(first?.value ?? []).toString(), /^data: /, 'streaming began')
  const abandoned = simulators.groq.waitForAbandon()
  const started = Date.now()
  controller.abort()
  await abandoned
  t.ok(Date.now() - started < 1000, `upstream closed ${Date.now() - started} ms after the client left (stream had ~4 s to go)`)
  t.equal(simulators.groq.abandoned, 1)
  t.ok(gateway.logs.some((line) => line.includes('client closed the connection')), 'the disconnect is logged')
})

t.test("a finished stream's provider connection goes back to the pool: translated on either ingress, and passed through", async (t) => {
  const simulators = await startSimulators(t)
  const anthropic = await startAnthropic()
  t.teardown(anthropic.close)
  const gateway = await startGateway(t, simulatorEnv({ ...simulators, anthropic }))
  // Events apart, as a model sends them: the last one then comes in the same packet as the end of the response.
  simulators.groq.script = { chunkCount: 8, chunkDelayMs: 2 }
  anthropic.script = { chunkCount: 8, chunkDelayMs: 2 }
  const messagesStream = async (model: string): Promise<string> => await (await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] })
  })).text()
  const groqBefore = simulators.groq.connections
  const anthropicBefore = anthropic.connections
  for (let round = 0; round < 3; round++) {
    t.match(await (await postChat(gateway.url, chat('groq:llama-3.3-70b-versatile', true))).text(), /data: \[DONE\]\n\n$/)
    t.match(await messagesStream('groq:llama-3.3-70b-versatile'), /event: message_stop/)
    t.match(await messagesStream('anthropic:claude-sonnet-4-6'), /event: message_stop/)
  }
  t.equal(simulators.groq.connections - groqBefore, 1, 'six translated streams, one after another, over one connection')
  t.equal(anthropic.connections - anthropicBefore, 1, 'three streams passed through, over one connection')
})

t.test("a stream's response carries the SSE headers and contract §3's headers, on both ingresses", async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  const requests: Array<[string, string, Record<string, string>]> = [
    ['/v1/chat/completions', chat('groq:llama-3.3-70b-versatile', true), {}],
    ['/v1/messages', JSON.stringify({ model: 'groq:llama-3.3-70b-versatile', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }), { 'anthropic-version': '2023-06-01' }]
  ]
  for (const [path, body, headers] of requests) {
    const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
    await response.text()
    t.equal(response.status, 200)
    t.match(response.headers.get('content-type'), /^text\/event-stream/, `${path}: content-type`)
    t.equal(response.headers.get('cache-control'), 'no-cache')
    t.equal(response.headers.get('x-accel-buffering'), 'no')
    t.match(response.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)
    t.equal(response.headers.get('x-switchyard-provider'), 'groq')
    t.equal(response.headers.get('x-switchyard-model'), 'llama-3.3-70b-versatile')
    t.equal(response.headers.get('x-switchyard-attempts'), 'groq:200')
    t.equal(response.headers.get('x-switchyard-cost-usd'), null, `${path}: no cost header on a stream (it is not known yet)`)
  }
})

t.test('a client that leaves a stream, on either ingress, leaves no timer or call behind', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), STREAM_TIMEOUT_MS: '600000' })
  simulators.groq.script = { chunkCount: 200, chunkDelayMs: 20 }
  const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
  const requests: Array<[string, string, Record<string, string>]> = [
    ['/v1/chat/completions', chat('groq:llama-3.3-70b-versatile', true), {}],
    ['/v1/messages', JSON.stringify({ model: 'groq:llama-3.3-70b-versatile', max_tokens: 500, stream: true, messages: [{ role: 'user', content: 'hi' }] }), { 'anthropic-version': '2023-06-01' }]
  ]
  for (const [path, body, headers] of requests) {
    const before = timers()
    const controller = new AbortController()
    const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: controller.signal })
    const reader = response.body?.getReader()
    await reader?.read()
    const abandoned = simulators.groq.waitForAbandon()
    controller.abort()
    await abandoned
    await new Promise((resolve) => setTimeout(resolve, 100))
    t.ok(timers() <= before, `${path}: the call's timers were cleared (its 10-minute stream cap would otherwise hold it): ${timers()} now, ${before} before`)
    t.equal(gateway.app.inFlight.size, 0, `${path}: nothing left in flight`)
  }
})

t.test('a client that disconnects while the provider has not answered aborts it too', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  simulators.openai.fail({ kind: 'hang' })
  const controller = new AbortController()
  const pending = postChat(gateway.url, chat('openai:gpt-4o-mini', false), { signal: controller.signal }).catch(() => undefined)
  while (simulators.openai.requests.length === 0) await new Promise((resolve) => setImmediate(resolve))
  const abandoned = simulators.openai.waitForAbandon()
  controller.abort()
  await abandoned
  await pending
  t.equal(simulators.openai.abandoned, 1)
})

t.test('timeouts: connect, first byte, stream idle and total each end in 504 or a stream error event', async (t) => {
  const simulators = await startSimulators(t)

  // A TCP server that accepts and never speaks: the TLS handshake to it cannot finish, so connecting times out.
  const silent = createServer(() => {})
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  t.teardown(() => silent.close())
  const silentPort = (silent.address() as AddressInfo).port

  // undici checks connect deadlines on a coarse (about 1 s) timer, so this gateway's request deadline is longer.
  const unreachable = await startGateway(t, { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `https://127.0.0.1:${silentPort}/v1`, CONNECT_TIMEOUT_MS: '200', REQUEST_TIMEOUT_MS: '5000' })
  const connect = await postChat(unreachable.url, chat('openai:gpt-4o-mini', false))
  t.equal(connect.status, 504)
  t.match((await connect.json() as { error: { message: string } }).error.message, /timed out connecting/)

  const gateway = await startGateway(t, {
    ...simulatorEnv(simulators),
    REQUEST_TIMEOUT_MS: '400',
    STREAM_IDLE_TIMEOUT_MS: '300'
  })

  simulators.groq.fail({ kind: 'hang' })
  const firstByte = await postChat(gateway.url, chat('groq:llama-3.3-70b-versatile', false))
  t.equal(firstByte.status, 504)
  t.equal((await firstByte.json() as { error: { type: string } }).error.type, 'timeout_error')

  simulators.groq.fail({ kind: 'hang' })
  const streamFirstByte = await postChat(gateway.url, chat('groq:llama-3.3-70b-versatile', true))
  t.equal(streamFirstByte.status, 504, 'a stream that never starts is an ordinary JSON error')
  t.match(streamFirstByte.headers.get('content-type'), /application\/json/)

  simulators.mistral.fail({ kind: 'stall-after', events: 3 })
  const idle = await postChat(gateway.url, chat('mistral:mistral-small-latest', true))
  t.equal(idle.status, 200)
  const idleEvents = dataLines(await idle.text())
  t.ok(idleEvents.length >= 2, 'the chunks sent before the silence reached the client')
  t.notOk(idleEvents.includes('[DONE]'), 'no [DONE] after a failure')
  const idleError = JSON.parse(idleEvents[idleEvents.length - 1] ?? '{}') as { error?: { message: string, type: string } }
  t.match(idleError.error?.message, /sent no event for 300 ms/)

  simulators.together.fail({ kind: 'drip', intervalMs: 50 })
  const started = Date.now()
  const total = await postChat(gateway.url, chat('together:meta-llama/Llama-3.3-70B-Instruct-Turbo', false))
  t.equal(total.status, 504, 'a body that drips forever hits the total deadline')
  t.ok(Date.now() - started < 2000)

  t.equal((await postChat(gateway.url, chat('groq:llama-3.3-70b-versatile', true))).status, 200, 'the gateway serves the next request')
})

t.test('a provider that resets mid-stream ends the stream with a well-formed error event', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  simulators.openai.fail({ kind: 'stall-after', events: 2, reset: true })
  const response = await postChat(gateway.url, chat('openai:gpt-4o-mini', true))
  const events = dataLines(await response.text())
  const last = JSON.parse(events[events.length - 1] ?? '{}') as { error?: { message: string, type: string, param: null, code: unknown } }
  t.same(Object.keys(last.error ?? {}).sort(), ['code', 'message', 'param', 'type'])
  t.notOk(events.includes('[DONE]'))

  simulators.openai.fail({ kind: 'reset' })
  const before = await postChat(gateway.url, chat('openai:gpt-4o-mini', true))
  t.equal(before.status, 502, 'a reset before the first byte is a plain 502')

  simulators.groq.fail({ kind: 'malformed' })
  const junk = await postChat(gateway.url, chat('groq:llama-3.3-70b-versatile', true))
  const junkEvents = dataLines(await junk.text())
  t.match(junkEvents[junkEvents.length - 1], /"error"/, 'a junk event becomes an error event')
})

t.test('a client that stops reading for longer than the idle timeout is not taken for a silent provider', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), STREAM_IDLE_TIMEOUT_MS: '300' })
  simulators.openai.script = { text: 'x'.repeat(8 * 1024 * 1024), chunkCount: 2048 }
  const response = await postChat(gateway.url, chat('openai:gpt-4o-mini', true))
  const reader = response.body?.getReader()
  await reader?.read()
  // Reading nothing for a second backs the gateway's writes up, and it pauses the provider's body meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const { text } = await readToEnd(reader)
  t.notMatch(text, /"error"/, 'no error event')
  t.match(text, /data: \[DONE\]\n\n$/, 'the stream finished')
  t.notOk(gateway.logs.some((line) => line.includes('sent no event')), 'no idle timeout was logged')
})

t.test('a slow reader holds the stream back instead of the gateway buffering it', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  simulators.openai.script = { text: 'x'.repeat(4 * 1024 * 1024), chunkCount: 4096 }
  const response = await postChat(gateway.url, chat('openai:gpt-4o-mini', true))
  const reader = response.body?.getReader()
  await reader?.read()
  await new Promise((resolve) => setTimeout(resolve, 300))
  const rss = process.memoryUsage().rss
  const { bytes } = await readToEnd(reader)
  t.ok(bytes > 4 * 1024 * 1024, `the whole stream arrived (${bytes} bytes)`)
  t.ok(process.memoryUsage().rss - rss < 512 * 1024 * 1024, 'memory stayed bounded')
})
