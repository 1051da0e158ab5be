import type { IncomingHttpHeaders } from 'node:http'
import { EnvHttpProxyAgent, Pool, ProxyAgent, type Dispatcher } from 'undici'
import {
  GatewayError,
  upstreamTimeout,
  upstreamUnavailable
} from './errors.ts'
import { firstHeaderValue } from './http-headers.ts'
import type { CallAbort } from './chat/call-abort.ts'

// The only module that talks to providers over HTTP. Keys arrive here in prebuilt headers and go nowhere else.

export interface UpstreamClientOptions {
  connectTimeoutMs: number
  /** Used by tests to keep sockets from outliving a test; production keeps undici's default. */
  keepAliveTimeoutMs?: number
  /** A shared proxy dispatcher (see `createProxyDispatcher`); without one each origin gets its own pool. */
  proxy?: Dispatcher
}

export interface UpstreamClient {
  readonly origin: string
  readonly basePath: string
  /** A call whose body is read as it comes (a stream): resolves once the provider's headers are in. */
  send: (call: UpstreamCall) => Promise<Dispatcher.ResponseData>
  /** A call whose whole answer is wanted at once: resolves when its body has ended. */
  fetchText: (call: UpstreamCall) => Promise<UpstreamText>
  close: () => Promise<void>
}

/** A provider's complete answer. An error status's body is cut at `ERROR_BODY_LIMIT` characters. */
export interface UpstreamText {
  statusCode: number
  headers: IncomingHttpHeaders
  text: string
}

export interface UpstreamCall {
  path: string
  headers: Record<string, string>
  body: string
  /** Anything undici takes as a signal: an AbortSignal, or the gateway's own `CallAbort`. */
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
export function createProxyDispatcher (settings: ProxySettings, options: UpstreamClientOptions): Dispatcher | undefined {
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
  const requestOptions = (call: UpstreamCall): Dispatcher.RequestOptions => ({
    origin: url.origin,
    method: 'POST',
    path: basePath + call.path,
    // undici's proxy agents add `host` to the headers object, and the provider's prebuilt headers are frozen.
    headers: options.proxy === undefined ? call.headers : { ...call.headers },
    body: call.body,
    signal: call.signal as AbortSignal,
    headersTimeout: call.headersTimeoutMs,
    bodyTimeout: call.bodyTimeoutMs
  })
  return {
    origin: url.origin,
    basePath,
    send: (call) => dispatcher.request(requestOptions(call)),
    // `dispatch` does not read `signal`: the handler listens to it.
    fetchText: (call) => new Promise((resolve, reject) => {
      dispatcher.dispatch(requestOptions(call), new WholeAnswer(call.signal, resolve, reject))
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
 * Collects an answer for `fetchText` straight from undici's dispatch callbacks. `request()` would wrap the same
 * bytes in a Readable, an AsyncResource and a body mixin, which cost a request at c=1 about 25 µs more.
 */
class WholeAnswer implements Dispatcher.DispatchHandler {
  private statusCode = 0
  private headers: IncomingHttpHeaders = {}
  private readonly chunks: Buffer[] = []
  private size = 0
  private controller: Dispatcher.DispatchController | undefined
  private settled = false

  constructor (
    private readonly signal: UpstreamCall['signal'],
    private readonly resolve: (answer: UpstreamText) => void,
    private readonly reject: (error: unknown) => void
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
  }

  onResponseData (controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
    // An error body past the cap is cut there; the rest is not waited for, and the connection is closed.
    if (this.statusCode >= 400 && this.size > ERROR_BODY_LIMIT) {
      this.settle()
      controller.abort(new Error('the error body ran past its cap'))
    }
  }

  onResponseEnd (): void {
    this.settle()
  }

  onResponseError (_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return
    this.settled = true
    this.signal.removeEventListener('abort', this.onAbort)
    this.reject(error)
  }

  private readonly onAbort = (): void => {
    this.controller?.abort(this.signal.reason as Error)
  }

  private settle (): void {
    if (this.settled) return
    this.settled = true
    this.signal.removeEventListener('abort', this.onAbort)
    const bytes = this.chunks.length === 1 ? this.chunks[0] as Buffer : Buffer.concat(this.chunks, this.size)
    const text = bytes.toString()
    this.resolve({ statusCode: this.statusCode, headers: this.headers, text: this.statusCode >= 400 ? text.slice(0, ERROR_BODY_LIMIT) : text })
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

/** Reads an error body up to a size cap and parses it as JSON when it is JSON; the rest is discarded. */
export async function readErrorBody (body: Dispatcher.ResponseData['body']): Promise<unknown> {
  let text = ''
  for await (const chunk of body) {
    text += chunk.toString()
    if (text.length > ERROR_BODY_LIMIT) {
      body.destroy()
      break
    }
  }
  return parseErrorText(text)
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
