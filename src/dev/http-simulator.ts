import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once, EventEmitter } from 'node:events'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SimulatorScript } from './reply-plan.ts'
import { drainedOrClosed } from './drained-or-closed.ts'

// The HTTP half every provider simulator shares: listening on loopback, recording requests, checking the key,
// injecting faults, and writing streams with backpressure. The provider half (its routes and wire format) is
// passed in as `handle`.

export type SimulatorFault =
  /** The provider's error body for `status`, with `message` when given, or `body` as it is. */
  | { kind: 'status', status: number, body?: unknown, message?: string, retryAfter?: string }
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** Destroy the connection before answering. */
  | { kind: 'reset' }
  | { kind: 'delay', ms: number }
  /** Stream: send this many events, then go silent (or destroy the connection with `reset`). */
  | { kind: 'stall-after', events: number, reset?: boolean }
  /** Send headers (and, on a stream, this many events), then one byte at this interval, forever. */
  | { kind: 'drip', intervalMs: number, events?: number }
  /** Answer 200 with a body that is not valid JSON (or a stream event that is not). */
  | { kind: 'malformed' }
  /** End the answer cleanly halfway through the JSON body, or halfway through a stream's next event. */
  | { kind: 'truncate', events?: number }
  /** Answer 200 with the provider's error body (on a stream: its error event after this many events). */
  | { kind: 'error-body', events?: number, message?: string }

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: unknown
  /** Epoch ms when it arrived. */
  receivedAt: number
}

/** The account's limits as the simulated provider counts them, in fixed minute windows aligned to the clock. */
export interface SimulatedLimits {
  requestsPerMinute: number
  tokensPerMinute: number
  /** Refuse with 429 past a limit (otherwise only report it in the headers). */
  enforce: boolean
}

/** What a provider's rate-limit headers are made from, at the moment an answer goes out. */
export interface RateLimitState {
  requests: { limit: number, remaining: number, resetMs: number }
  tokens: { limit: number, remaining: number, resetMs: number }
  now: number
}

export interface SimulatorReply {
  status?: number
  headers?: Record<string, string>
  json?: unknown
  /** SSE events already framed (`data: ...\n\n`), written one by one. */
  events?: readonly string[]
}

export interface SimulatorContext {
  request: RecordedRequest
  script: SimulatorScript
}

export interface HttpSimulatorOptions {
  /** Base URL path the provider's SDK expects, e.g. `/v1` or `/openai/v1`. */
  basePath: string
  /** Paths outside `basePath` the provider answers too (Cohere's model list is `/v1/models`, its chat `/v2`). */
  otherPaths?: readonly string[]
  apiKey: string
  /** Reads the key from a request; returns undefined when absent. */
  readKey: (request: IncomingMessage, url: URL) => string | undefined
  /** The provider's own error body for a status. */
  errorBody: (status: number, message: string) => unknown
  /** How the provider refuses a bad key, when it is not a plain 401 (Gemini answers 400). */
  unauthorized?: { status: number, body: unknown }
  /** How the provider frames an error inside a stream; `data: <body>` when not given. */
  streamErrorEvent?: (body: unknown) => string
  /** The provider's rate-limit headers, sent on every model call's answer; none when not given. */
  rateLimitHeaders?: (state: RateLimitState) => Record<string, string>
  handle: (context: SimulatorContext) => SimulatorReply
}

export interface ProviderSimulator {
  /** The provider base URL to configure the gateway (or an SDK) with. */
  readonly url: string
  readonly apiKey: string
  readonly requests: RecordedRequest[]
  /** Mutable: what the simulated model answers. */
  script: SimulatorScript
  /** Queue a fault for the next `times` POST requests. */
  fail: (fault: SimulatorFault, times?: number) => void
  /** The next `times` model-list requests (GETs) fail with this status. */
  failModelList: (status: number, times?: number) => void
  /** Requests whose client went away before the answer was complete. */
  readonly abandoned: number
  /** Resolves the next time a client goes away mid-answer. */
  waitForAbandon: () => Promise<void>
  /** TCP connections accepted so far: a client that reuses its connections opens few. */
  readonly connections: number
  /** Sets the account's limits (reported in the rate-limit headers, and enforced with 429 when `enforce`). */
  limit: (limits: Partial<SimulatedLimits>) => void
  /** Model calls answered 429 because a limit set with `limit` was reached. */
  readonly refusedForLimits: number
  /** Most model calls in progress at once. */
  readonly peakInFlight: number
  reset: () => void
  close: () => Promise<void>
}

export async function startHttpSimulator (options: HttpSimulatorOptions, port = 0): Promise<ProviderSimulator> {
  const requests: RecordedRequest[] = []
  const faults: SimulatorFault[] = []
  const sockets = new Set<Socket>()
  const events = new EventEmitter()
  let abandoned = 0
  let connections = 0
  // Far above anything a test or benchmark sends, unless it sets its own: the headers then never say "none left".
  const defaultLimits: SimulatedLimits = { requestsPerMinute: 100_000_000, tokensPerMinute: 10_000_000_000, enforce: false }
  let limits = defaultLimits
  let window = { startMs: 0, requests: 0, tokens: 0 }
  let refusedForLimits = 0
  let inFlight = 0
  let peakInFlight = 0

  let listFailures = 0
  let listFailureStatus = 500
  let emptyDue = 0
  /** The script, with `text: ''` on the calls that `emptyShare` says come back empty. */
  function scriptForThisCall (): SimulatorScript {
    const share = simulator.script.emptyShare
    if (share === undefined) return simulator.script
    emptyDue += share
    if (emptyDue < 1) return simulator.script
    emptyDue -= 1
    return { ...simulator.script, text: '' }
  }

  /** Counts a model call in its minute, and says whether it goes over a limit, with the headers to answer with. */
  function countCall (body: unknown, text: string, now: number): { over: boolean, headers: Record<string, string>, retryAfterS: number } {
    const startMs = now - (now % 60_000)
    if (window.startMs !== startMs) window = { startMs, requests: 0, tokens: 0 }
    const maxTokens = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).max_tokens : undefined
    const tokens = Math.ceil(text.length / 4) + (typeof maxTokens === 'number' ? maxTokens : 0)
    const over = limits.enforce && (window.requests + 1 > limits.requestsPerMinute || window.tokens + tokens > limits.tokensPerMinute)
    if (!over) {
      window.requests++
      window.tokens += tokens
    }
    const resetMs = startMs + 60_000 - now
    const headers = options.rateLimitHeaders?.({
      requests: { limit: limits.requestsPerMinute, remaining: Math.max(0, limits.requestsPerMinute - window.requests), resetMs },
      tokens: { limit: limits.tokensPerMinute, remaining: Math.max(0, limits.tokensPerMinute - window.tokens), resetMs },
      now
    }) ?? {}
    return { over, headers, retryAfterS: Math.max(1, Math.ceil(resetMs / 1000)) }
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => { res.destroy() })
  })
  server.keepAliveTimeout = 5000
  server.on('connection', (socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function serve (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator')
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: unknown = text
    if (text !== '') {
      try {
        body = JSON.parse(text)
      } catch {
        return sendJson(res, 400, options.errorBody(400, 'We could not parse the JSON body of your request.'))
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, body, receivedAt: Date.now() }
    requests.push(recorded)
    const modelCall = req.method === 'POST'
    if (modelCall) peakInFlight = Math.max(peakInFlight, ++inFlight)
    res.on('close', () => {
      if (modelCall) inFlight--
      if (!res.writableFinished) {
        abandoned++
        events.emit('abandon')
      }
    })

    if (options.readKey(req, url) !== options.apiKey) {
      const refusal = options.unauthorized ?? { status: 401, body: options.errorBody(401, 'Invalid API key provided.') }
      return sendJson(res, refusal.status, refusal.body)
    }
    if (!url.pathname.startsWith(options.basePath) && options.otherPaths?.includes(url.pathname) !== true) {
      return sendJson(res, 404, options.errorBody(404, `Unknown path ${url.pathname}`))
    }

    const counted = modelCall ? countCall(body, text, recorded.receivedAt) : undefined
    const limitHeaders = counted?.headers ?? {}
    if (counted?.over === true) {
      refusedForLimits++
      return sendJson(res, 429, options.errorBody(429, 'Rate limit reached for requests. Please try again later.'), { ...limitHeaders, 'retry-after': String(counted.retryAfterS) })
    }
    if (!modelCall && listFailures > 0) {
      listFailures--
      return sendJson(res, listFailureStatus, options.errorBody(listFailureStatus, `Simulated failure ${listFailureStatus}`))
    }
    // Faults are for model calls; listing models never consumes one.
    const fault = modelCall ? faults.shift() : undefined
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = fault.retryAfter === undefined ? limitHeaders : { ...limitHeaders, 'retry-after': fault.retryAfter }
      return sendJson(res, fault.status, fault.body ?? options.errorBody(fault.status, fault.message ?? `Simulated failure ${fault.status}`), headers)
    }
    if (fault?.kind === 'hang') return
    if (fault?.kind === 'reset') {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'delay') await sleep(fault.ms)

    // Below the base path, a route is named from it (`/models`); outside it (otherPaths), from the origin.
    const path = url.pathname.startsWith(options.basePath) ? url.pathname.slice(options.basePath.length) : url.pathname
    const reply = options.handle({ request: { ...recorded, path: path + url.search }, script: scriptForThisCall() })
    if (fault?.kind === 'drip') return drip(res, fault.intervalMs, reply.events?.slice(0, fault.events ?? 0))
    if (fault?.kind === 'truncate') return truncate(res, reply, fault.events ?? 0)
    if (fault?.kind === 'error-body') {
      const body = options.errorBody(500, fault.message ?? 'Simulated error inside a 200 answer')
      if (reply.events === undefined) return sendJson(res, 200, body)
      const errorEvent = options.streamErrorEvent?.(body) ?? `data: ${JSON.stringify(body)}\n\n`
      return writeEvents(res, [...reply.events.slice(0, fault.events ?? 0), errorEvent], undefined, simulator.script.chunkDelayMs)
    }
    if (fault?.kind === 'malformed') {
      if (reply.events !== undefined) {
        return writeEvents(res, [reply.events[0] ?? '', 'data: {"choices": [\n\n'], undefined, simulator.script.chunkDelayMs)
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"id": "broken", "choices": [')
      return
    }
    if (reply.events !== undefined) {
      const stall = fault?.kind === 'stall-after' ? fault : undefined
      return writeEvents(res, reply.events, stall, simulator.script.chunkDelayMs, { ...limitHeaders, ...reply.headers })
    }
    return sendJson(res, reply.status ?? 200, reply.json, { ...limitHeaders, ...reply.headers })
  }

  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address() as AddressInfo

  const simulator: ProviderSimulator = {
    url: `http://127.0.0.1:${address.port}${options.basePath}`,
    apiKey: options.apiKey,
    requests,
    script: {},
    fail (fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault)
    },
    failModelList (status, times = 1) {
      listFailureStatus = status
      listFailures = times
    },
    get abandoned () { return abandoned },
    waitForAbandon: async () => { await once(events, 'abandon') },
    get connections () { return connections },
    limit (next) { limits = { ...limits, ...next } },
    get refusedForLimits () { return refusedForLimits },
    get peakInFlight () { return peakInFlight },
    reset () {
      requests.length = 0
      faults.length = 0
      listFailures = 0
      simulator.script = {}
      limits = defaultLimits
      window = { startMs: 0, requests: 0, tokens: 0 }
      refusedForLimits = 0
      peakInFlight = 0
    },
    async close () {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    }
  }
  return simulator
}

function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

async function writeEvents (
  res: ServerResponse,
  events: readonly string[],
  stall: { events: number, reset?: boolean } | undefined,
  delayMs: number | undefined,
  headers: Record<string, string> = {}
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers })
  res.flushHeaders()
  for (const [position, event] of events.entries()) {
    if (stall !== undefined && position >= stall.events) {
      if (stall.reset === true) {
        // Let what was written reach the client first: the fault is a reset mid-stream, not before it.
        await sleep(50)
        res.destroy()
      }
      return
    }
    if (res.destroyed) return
    if (delayMs !== undefined && delayMs > 0) await sleep(delayMs)
    if (!res.write(event)) await drainedOrClosed(res)
  }
  res.end()
}

/** On a stream, the bytes form an SSE comment line that never ends, so no event is ever completed. */
async function drip (res: ServerResponse, intervalMs: number, events: readonly string[] | undefined): Promise<void> {
  res.writeHead(200, { 'content-type': events === undefined ? 'application/json' : 'text/event-stream' })
  res.flushHeaders()
  for (const event of events ?? []) res.write(event)
  if (events !== undefined) res.write(':')
  while (!res.destroyed) {
    res.write(' ')
    await sleep(intervalMs)
  }
}

async function truncate (res: ServerResponse, reply: SimulatorReply, events: number): Promise<void> {
  if (reply.events === undefined) {
    const text = JSON.stringify(reply.json)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(text.slice(0, Math.floor(text.length / 2)))
    return
  }
  const cut = reply.events[events] ?? 'data: {"never":"finished"}\n\n'
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  for (const event of reply.events.slice(0, events)) res.write(event)
  await sleep(20)
  res.end(cut.slice(0, Math.floor(cut.length / 2)))
}
