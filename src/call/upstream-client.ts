import type { IncomingHttpHeaders } from 'node:http'
import { EnvHttpProxyAgent, Pool, ProxyAgent, type Dispatcher } from 'undici'
import {
  GatewayError,
  upstreamTimeout,
  upstreamUnavailable
} from '../canonical/errors.ts'
import { firstHeaderValue } from '../http/headers.ts'
import type { CallAbort } from './call-abort.ts'
import type { ByteListener, ByteSource } from './pushed-stream.ts'

// The only module that talks to providers over HTTP. Keys arrive here in prebuilt headers and go nowhere else.

export interface UpstreamClientOptions {
  connectTimeoutMs: number
  /** Used by tests to keep sockets from outliving a test; production keeps undici's default. */
  keepAliveTimeoutMs?: number
  /** A shared proxy dispatcher (see `createProxyDispatcher`); without one each origin gets its own pool. */
  proxy?: Dispatcher
  /** The largest whole answer, or single event of a stream, that is read (MAX_RESPONSE_BYTES). */
  maxResponseBytes: number
}

/** The code of the error an answer past MAX_RESPONSE_BYTES fails with (mapped by `toGatewayError`). */
const RESPONSE_TOO_LARGE = 'SWITCHYARD_RESPONSE_TOO_LARGE'

function responseTooLarge (limit: number, what: string): Error {
  return Object.assign(new Error(`${what} is larger than MAX_RESPONSE_BYTES (${limit} bytes)`), { code: RESPONSE_TOO_LARGE })
}

export interface UpstreamClient {
  readonly origin: string
  readonly basePath: string
  /** A call whose whole answer is wanted at once: resolves when its body has ended. */
  fetchText: (call: UpstreamCall) => Promise<UpstreamText>
  /**
   * A call whose body is read as it comes (a stream): resolves once the provider's headers are in, with the body
   * to read; or, for a status of 400 or more, once the body has ended, with its text.
   */
  openStream: (call: UpstreamCall) => Promise<UpstreamStream | UpstreamText>
  close: () => Promise<void>
}

/** A provider's complete answer. An error status's body is cut at `ERROR_BODY_LIMIT` characters. */
export interface UpstreamText {
  statusCode: number
  headers: IncomingHttpHeaders
  text: string
}

/** A provider's answer below 400 whose body is still coming. */
export interface UpstreamStream {
  statusCode: number
  headers: IncomingHttpHeaders
  body: ByteSource
}

export interface UpstreamCall {
  path: string
  /** A GET (a model list) sends no body; a POST is every model call. */
  method?: 'GET' | 'POST'
  /** `path` is from the origin, not below the base URL's path (Cohere's model list is v1, its chat v2). */
  fromOrigin?: boolean
  headers: Record<string, string>
  body: string
  /** What aborts the call, read by the call's handler: an AbortSignal, or the gateway's own `CallAbort`. */
  signal: Pick<AbortSignal, 'aborted' | 'reason' | 'addEventListener' | 'removeEventListener'> | CallAbort
  headersTimeoutMs: number
  bodyTimeoutMs: number
}

export interface ProxySettings {
  /** Wins over the standard variables: every provider call goes through it. */
  upstreamProxy?: string
  httpsProxy?: string
  httpProxy?: string
  noProxy?: string
}

/**
 * The outbound proxy of contract §2, or undefined when none is configured. `UPSTREAM_PROXY` sends everything
 * through one proxy; otherwise `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply per origin. The values come from
 * the gateway's configuration, never straight from `process.env`.
 */
export function createProxyDispatcher (settings: ProxySettings, options: Pick<UpstreamClientOptions, 'connectTimeoutMs' | 'keepAliveTimeoutMs'>): Dispatcher | undefined {
  const agentOptions = {
    connect: { timeout: options.connectTimeoutMs },
    ...(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeoutMs })
  }
  if (settings.upstreamProxy !== undefined) return new ProxyAgent({ ...agentOptions, uri: settings.upstreamProxy })
  if (settings.httpsProxy === undefined && settings.httpProxy === undefined) return undefined
  return new EnvHttpProxyAgent({
    ...agentOptions,
    httpProxy: settings.httpProxy ?? '',
    httpsProxy: settings.httpsProxy ?? '',
    noProxy: settings.noProxy ?? ''
  })
}

/** One keep-alive pool per provider origin (or the shared proxy), made at registration and closed with the app. */
export function createUpstreamClient (baseUrl: string, options: UpstreamClientOptions): UpstreamClient {
  const url = new URL(baseUrl)
  const basePath = url.pathname.replace(/\/+$/, '')
  const dispatcher = options.proxy ?? new Pool(url.origin, {
    connect: { timeout: options.connectTimeoutMs },
    ...(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeoutMs })
  })
  const dispatchOptions = (call: UpstreamCall): Dispatcher.DispatchOptions => ({
    origin: url.origin,
    method: call.method ?? 'POST',
    path: call.fromOrigin === true ? call.path : basePath + call.path,
    // undici's proxy agents add `host` to the headers object, and the provider's prebuilt headers are frozen.
    headers: options.proxy === undefined ? call.headers : { ...call.headers },
    body: call.method === 'GET' ? null : call.body,
    headersTimeout: call.headersTimeoutMs,
    bodyTimeout: call.bodyTimeoutMs
  })
  return {
    origin: url.origin,
    basePath,
    fetchText: (call) => new Promise((resolve, reject) => {
      dispatcher.dispatch(dispatchOptions(call), new AnswerHandler(call.signal, options.maxResponseBytes, resolve, undefined, reject))
    }),
    openStream: (call) => new Promise((resolve, reject) => {
      dispatcher.dispatch(dispatchOptions(call), new AnswerHandler(call.signal, options.maxResponseBytes, resolve, resolve, reject))
    }),
    // The shared proxy belongs to the registry, which closes it once.
    close: async () => { if (dispatcher !== options.proxy) await dispatcher.close() }
  }
}

/** Seconds from a `retry-after` header (delta-seconds or HTTP date), or `retry-after-ms`. */
export function parseRetryAfter (headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const ms = firstHeaderValue(headers['retry-after-ms'])
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Math.max(0, Math.ceil(Number(ms) / 1000))
  const value = firstHeaderValue(headers['retry-after'])
  if (value === undefined || value === '') return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value))
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

const ERROR_BODY_LIMIT = 64 * 1024

/**
 * One provider call, driven by undici's dispatch callbacks. `request()` would wrap the same bytes in a
 * RequestHandler, an AsyncResource and a body Readable: at c=1, `bench:phases` put that at 12 µs of the time
 * between the provider's answer and the client's.
 *
 * Without `deliverStream`, or for a status of 400 or more, the body is collected and handed to `deliverText`
 * once it has ended (an error body cut at its cap). With `deliverStream`, an answer below 400 is handed over as
 * soon as its headers are in, and the handler is its `ByteSource`.
 */
class AnswerHandler implements Dispatcher.DispatchHandler, ByteSource {
  private controller: Dispatcher.DispatchController | undefined
  private statusCode = 0
  private headers: IncomingHttpHeaders = {}
  /** The answer has been handed over, as text or as a stream. */
  private settled = false
  private streaming = false
  private readonly chunks: Buffer[] = []
  private size = 0
  /** A stream's bytes since the last blank line seen: the size of the event still coming, give or take a line. */
  private sinceEvent = 0
  private listener: ByteListener | undefined
  private ended = false
  private failure: { error: unknown } | undefined
  private paused = false
  private closed = false

  constructor (
    private readonly signal: UpstreamCall['signal'],
    private readonly maxResponseBytes: number,
    private readonly deliverText: (answer: UpstreamText) => void,
    // Named apart from undici's handler methods: it tells the two handler APIs apart by what a handler has.
    private readonly deliverStream: ((answer: UpstreamStream) => void) | undefined,
    private readonly fail: (error: unknown) => void
  ) {}

  onRequestStart (controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.signal.aborted) {
      controller.abort(this.signal.reason as Error)
      return
    }
    this.signal.addEventListener('abort', this.onAbort)
  }

  onResponseStart (_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.statusCode = statusCode
    this.headers = headers
    if (this.deliverStream === undefined || statusCode >= 400) return
    this.settled = true
    this.streaming = true
    this.deliverStream({ statusCode, headers, body: this })
  }

  onResponseData (controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.streaming) {
      const boundary = Math.max(chunk.lastIndexOf('\n\n'), chunk.lastIndexOf('\n\r\n'))
      this.sinceEvent = boundary < 0 ? this.sinceEvent + chunk.length : chunk.length - boundary
      if (this.sinceEvent > this.maxResponseBytes) {
        this.onResponseError(controller, responseTooLarge(this.maxResponseBytes, 'an event of the stream'))
        controller.abort(new Error('a stream event ran past MAX_RESPONSE_BYTES'))
        return
      }
      if (this.listener !== undefined) this.listener.data(chunk)
      else if (!this.closed) this.chunks.push(chunk)
      return
    }
    this.chunks.push(chunk)
    this.size += chunk.length
    // An error body past the cap is cut there; the rest is not waited for, and the connection is closed.
    if (this.statusCode >= 400 && this.size > ERROR_BODY_LIMIT) {
      this.settleText()
      controller.abort(new Error('the error body ran past its cap'))
    } else if (this.size > this.maxResponseBytes) {
      // What was read is let go at once: the caller gets an error, not the answer.
      this.chunks.length = 0
      this.onResponseError(controller, responseTooLarge(this.maxResponseBytes, 'the answer'))
      controller.abort(new Error('the answer ran past MAX_RESPONSE_BYTES'))
    }
  }

  onResponseEnd (): void {
    this.ended = true
    this.signal.removeEventListener('abort', this.onAbort)
    if (this.streaming) this.listener?.end()
    else this.settleText()
  }

  onResponseError (_controller: Dispatcher.DispatchController, error: Error): void {
    this.signal.removeEventListener('abort', this.onAbort)
    if (this.streaming) {
      if (this.ended || this.failure !== undefined) return
      this.failure = { error }
      this.listener?.error(error)
      return
    }
    if (this.settled) return
    this.settled = true
    this.fail(error)
  }

  listen (listener: ByteListener): void {
    this.listener = listener
    const early = this.chunks.splice(0)
    for (const chunk of early) listener.data(chunk)
    if (this.ended) listener.end()
    else if (this.failure !== undefined) listener.error(this.failure.error)
  }

  pause (): void {
    if (this.paused) return
    this.paused = true
    this.controller?.pause()
  }

  resume (): void {
    if (!this.paused) return
    this.paused = false
    this.controller?.resume()
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.listener = undefined
    this.chunks.length = 0
    if (this.ended || this.failure !== undefined) return
    // A stream that its last event completed is closed from inside that event's data callback, before undici has
    // parsed the end of the answer that came in the same packet. It gets a tick (and is no longer held back) to
    // end, so that its connection goes back to the pool instead of being closed.
    this.resume()
    process.nextTick(this.cutOff)
  }

  private readonly cutOff = (): void => {
    if (!this.ended && this.failure === undefined) this.controller?.abort(new Error('the gateway stopped reading the answer'))
  }

  private readonly onAbort = (): void => {
    this.controller?.abort(this.signal.reason as Error)
  }

  private settleText (): void {
    if (this.settled) return
    this.settled = true
    this.signal.removeEventListener('abort', this.onAbort)
    const bytes = this.chunks.length === 1 ? this.chunks[0] as Buffer : Buffer.concat(this.chunks, this.size)
    const text = bytes.toString()
    this.deliverText({ statusCode: this.statusCode, headers: this.headers, text: this.statusCode >= 400 ? text.slice(0, ERROR_BODY_LIMIT) : text })
  }
}

/** An error body as the provider plugin's error parser takes it: JSON when it is JSON, else the text. */
export function parseErrorText (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text.slice(0, ERROR_BODY_LIMIT)
  }
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED'
])

/**
 * Turns whatever an upstream call threw into a GatewayError, by undici error code, never by message.
 * `abortReason` is what the gateway itself aborted with (client gone, or its own deadline).
 */
export function toGatewayError (error: unknown, provider: string, abortReason: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  if (abortReason instanceof GatewayError) return abortReason
  const code = (error as { code?: unknown } | null)?.code
  switch (code) {
    case RESPONSE_TOO_LARGE:
      return new GatewayError('upstream_error', 502, `${provider}: ${(error as Error).message}`, { provider, code: 'response_too_large' })
    case 'UND_ERR_CONNECT_TIMEOUT':
      return upstreamTimeout(provider, 'timed out connecting to the provider')
    case 'UND_ERR_HEADERS_TIMEOUT':
      return upstreamTimeout(provider, 'timed out waiting for the provider to answer')
    case 'UND_ERR_BODY_TIMEOUT':
      return upstreamTimeout(provider, 'the provider stopped sending before its answer was complete')
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      // The gateway aborts only with a reason (handled above); an abort without one is undici's, e.g. a proxy
      // that refused the CONNECT tunnel.
      return upstreamUnavailable(provider, 'the upstream request was aborted before an answer (a proxy refusing the tunnel?)', error)
  }
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) {
    return upstreamUnavailable(provider, `network error talking to the provider (${code})`, error)
  }
  return upstreamUnavailable(provider, 'the provider connection failed', error)
}
