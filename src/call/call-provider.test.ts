import t from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { clientClosed, shuttingDown, type GatewayError } from '../canonical/errors.ts'
import type { ChatRequest } from '../canonical/chat-request.ts'
import { definition as openai } from '../../providers/openai/definition.ts'
import { callProvider } from './call-provider.ts'
import type { ClientPresence } from './client-presence.ts'
import type { CallOptions, ProviderTarget } from './types.ts'
import { createUpstreamClient } from './upstream-client.ts'

// The call path's states, one by one, each ended by the client leaving, by the gateway ending the request
// (shutdown) and by its deadline. Each case checks the error the caller gets and that the provider's
// connection was closed, not left to run.

type Handler = (req: IncomingMessage, res: ServerResponse) => void
let handler: Handler = () => {}
/** Resolves with whether the provider's side saw its request cut off before it answered in full. */
let cutOff: Promise<boolean> = Promise.resolve(false)
let requests = 0

const server = createServer((req, res) => {
  requests++
  cutOff = new Promise((resolve) => { res.on('close', () => { resolve(!res.writableEnded) }) })
  req.resume()
  handler(req, res)
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
t.teardown(() => { server.closeAllConnections(); server.close() })
const upstream = createUpstreamClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, { connectTimeoutMs: 1000, maxResponseBytes: 1 << 20, keepAliveTimeoutMs: 10 })
t.teardown(() => upstream.close())
const target: ProviderTarget = { name: 'openai', definition: openai, upstream, headers: { 'content-type': 'application/json' }, secrets: [] }

/** A client the test makes leave, or the gateway end, at a moment it picks. */
function presence (): ClientPresence & { end: (reason: GatewayError) => void } {
  let listener: ((reason: GatewayError) => void) | undefined
  const state = {
    gone: false,
    endedBy: undefined as GatewayError | undefined,
    onGone: (fn: (reason: GatewayError) => void) => { listener = fn; return () => { listener = undefined } },
    onClose: () => {},
    end: (reason: GatewayError) => {
      if (reason.kind === 'client_closed') state.gone = true
      else state.endedBy = reason
      listener?.(reason)
    }
  }
  return state
}

const options = (client: ClientPresence, timeouts: Partial<CallOptions> = {}): CallOptions => ({
  requestId: 'req-1', client, requestTimeoutMs: 5_000, streamIdleTimeoutMs: 5_000, streamTimeoutMs: 10_000, ...timeouts
})
const request = (stream: boolean): ChatRequest => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream })

const chunk = (content: string): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`
const answer = JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }] })

/** The provider answers a stream's headers and first event, then waits. */
const firstEventThenWait: Handler = (_req, res) => { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write(chunk('one')) }

/** Runs `start`, then once the provider has the request, ends the call the way `how` says. */
async function endWhileWaiting (how: 'client' | 'shutdown', stream: boolean, provider: Handler): Promise<unknown> {
  handler = provider
  const client = presence()
  const seen = requests
  const call = callProvider(target, request(stream), options(client)).catch((error: unknown) => error)
  while (requests === seen) await new Promise((resolve) => setImmediate(resolve))
  client.end(how === 'client' ? clientClosed() : shuttingDown())
  return await call
}

t.test('before the call: a client already gone is never sent upstream', async (t) => {
  const client = presence()
  client.end(clientClosed())
  const seen = requests
  const error = await callProvider(target, request(false), options(client)).catch((caught: unknown) => caught)
  t.match(error, { kind: 'client_closed', status: 499 })
  t.equal(requests, seen, 'no request reached the provider')
})

for (const stream of [false, true]) {
  const kind = stream ? 'stream' : 'answer'
  t.test(`${kind}, waiting for the provider's headers: client leaving, shutdown and deadline each end it`, async (t) => {
    const hang: Handler = () => {}
    t.match(await endWhileWaiting('client', stream, hang), { kind: 'client_closed' })
    t.ok(await cutOff, 'client leaving: the provider\'s request was cut off')
    t.match(await endWhileWaiting('shutdown', stream, hang), { status: 503, code: 'gateway_shutting_down' })
    t.ok(await cutOff, 'shutdown: cut off')
    handler = hang
    const late = await callProvider(target, request(stream), options(presence(), { requestTimeoutMs: 50 })).catch((error: unknown) => error)
    t.match(late, { kind: 'upstream_timeout', status: 504, message: `openai: no ${stream ? 'first chunk' : 'complete answer'} within 50 ms` })
    t.ok(await cutOff, 'deadline: cut off')
  })
}

t.test('answer, headers in and the body still coming: client leaving and deadline end it', async (t) => {
  const halfBody: Handler = (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.write(answer.slice(0, 20)) }
  t.match(await endWhileWaiting('client', false, halfBody), { kind: 'client_closed' })
  t.ok(await cutOff)
  handler = halfBody
  t.match(await callProvider(target, request(false), options(presence(), { requestTimeoutMs: 50 })).catch((error: unknown) => error),
    { kind: 'upstream_timeout', status: 504 })
  t.ok(await cutOff)
})

t.test('stream, headers in and no event yet: the first-event deadline ends it', async (t) => {
  handler = (_req, res) => { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write(': keep-alive\n\n') }
  const error = await callProvider(target, request(true), options(presence(), { requestTimeoutMs: 50 })).catch((caught: unknown) => caught)
  t.match(error, { kind: 'upstream_timeout', message: 'openai: no first chunk within 50 ms' })
  t.ok(await cutOff)
})

/** A stream past its first chunk: `rest` is where its later failure shows. */
async function openStream (provider: Handler, timeouts: Partial<CallOptions> = {}) {
  handler = provider
  const client = presence()
  const streamErrors: GatewayError[] = []
  const result = await callProvider(target, request(true), { ...options(client, timeouts), onStreamError: (error) => { streamErrors.push(error) } })
  if (!result.stream) throw new Error('expected a stream')
  t.equal(result.first?.choices[0]?.delta.content, 'one')
  const rest = (async () => { for await (const chunk of result.rest) void chunk })().then(() => undefined, (error: unknown) => error)
  return { client, rest, streamErrors }
}

t.test('stream, between events: client leaving and shutdown end it, and the stream hears why', async (t) => {
  const left = await openStream(firstEventThenWait)
  left.client.end(clientClosed())
  t.match(await left.rest, { kind: 'client_closed' })
  t.ok(await cutOff)
  const ended = await openStream(firstEventThenWait)
  ended.client.end(shuttingDown())
  t.match(await ended.rest, { code: 'gateway_shutting_down' })
  t.match(ended.streamErrors, [{ code: 'gateway_shutting_down' }], 'the stream\'s error hook was told')
  t.ok(await cutOff)
})

t.test('stream, between events: the idle timeout ends a silent provider', async (t) => {
  const { rest, streamErrors } = await openStream(firstEventThenWait, { streamIdleTimeoutMs: 50 })
  t.match(await rest, { kind: 'upstream_timeout', message: 'openai: the provider sent no event for 50 ms' })
  t.match(streamErrors, [{ kind: 'upstream_timeout' }])
  t.ok(await cutOff)
})

t.test('stream, events still coming: the total deadline ends it however lively', async (t) => {
  const lively: Handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(chunk('one'))
    const timer = setInterval(() => { res.write(chunk('more')) }, 5)
    res.on('close', () => { clearInterval(timer) })
  }
  const { rest } = await openStream(lively, { streamIdleTimeoutMs: 1_000, streamTimeoutMs: 100 })
  t.match(await rest, { kind: 'upstream_timeout', message: 'openai: the stream ran past 100 ms in all' })
  t.ok(await cutOff)
})

t.test('a stream that ends well releases its call: no error, and the provider finished its answer', async (t) => {
  const complete: Handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(chunk('one') + chunk('two') + `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`)
  }
  const { rest, streamErrors } = await openStream(complete, { streamIdleTimeoutMs: 50, streamTimeoutMs: 100 })
  t.equal(await rest, undefined)
  t.same(streamErrors, [])
  t.equal(await cutOff, false, 'the provider was not cut off')
})
