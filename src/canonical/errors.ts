export const ERROR_KINDS = [
  'invalid_request',
  'authentication',
  'permission',
  'not_found',
  'request_too_large',
  'rate_limited',
  'overloaded',
  'upstream_timeout',
  'upstream_unavailable',
  'upstream_error',
  'client_closed',
  'internal'
] as const

export type ErrorKind = (typeof ERROR_KINDS)[number]

export interface GatewayErrorOptions {
  param?: string | null
  code?: string | null
  provider?: string
  retryAfterSeconds?: number
  /** A wait known to the millisecond (the gateway's own queue): sent as `retry-after-ms`, and rounded up as `retry-after`. */
  retryAfterMs?: number
  /** The status the provider answered with, when the error came from one. */
  upstreamStatus?: number
  cause?: unknown
}

/** The one error type that crosses module lines; rendered once per ingress protocol. */
/**
 * Marks a GatewayError whichever copy of this module made it: a provider folder dropped in from outside the
 * project (PROVIDERS_DIR) may be loaded with its own copy, and its errors must still be recognised as ours.
 */
const GATEWAY_ERROR = Symbol.for('switchyard.GatewayError')

export class GatewayError extends Error {
  static override [Symbol.hasInstance] (value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[GATEWAY_ERROR] === true
  }

  readonly kind: ErrorKind
  readonly status: number
  readonly param: string | null
  readonly code: string | null
  readonly provider: string | undefined
  readonly retryAfterSeconds: number | undefined
  readonly retryAfterMs: number | undefined
  readonly upstreamStatus: number | undefined

  constructor (kind: ErrorKind, status: number, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'GatewayError'
    this.kind = kind
    this.status = status
    this.param = options.param ?? null
    this.code = options.code ?? null
    this.provider = options.provider
    this.retryAfterMs = options.retryAfterMs
    this.retryAfterSeconds = options.retryAfterSeconds ?? (options.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterMs / 1000)))
    this.upstreamStatus = options.upstreamStatus
  }
}
Object.defineProperty(GatewayError.prototype, GATEWAY_ERROR, { value: true })

export function invalidRequest (message: string, param: string | null = null, code: string | null = null): GatewayError {
  return new GatewayError('invalid_request', 400, message, { param, code })
}

export function unauthenticated (message: string): GatewayError {
  return new GatewayError('authentication', 401, message, { code: 'invalid_api_key' })
}

export function notFound (message: string, code: string | null = null): GatewayError {
  return new GatewayError('not_found', 404, message, { code })
}

export function upstreamTimeout (provider: string, message: string): GatewayError {
  return new GatewayError('upstream_timeout', 504, `${provider}: ${message}`, { provider, code: 'timeout' })
}

export function upstreamUnavailable (provider: string, message: string, cause?: unknown): GatewayError {
  return new GatewayError('upstream_unavailable', 502, `${provider}: ${message}`, { provider, cause })
}

export function upstreamProtocolError (provider: string, message: string): GatewayError {
  return new GatewayError('upstream_error', 502, `${provider}: ${message}`, { provider })
}

export function clientClosed (): GatewayError {
  return new GatewayError('client_closed', 499, 'client closed the request')
}

export const SHUTTING_DOWN = 'gateway_shutting_down'

/** The gateway ends a request it can no longer wait for, its shutdown grace period being over. */
export function shuttingDown (): GatewayError {
  return new GatewayError('overloaded', 503, 'The gateway is shutting down and ended this request before it was complete; retry it.', { code: SHUTTING_DOWN })
}

const PROVIDER_MESSAGE_LIMIT = 500

/** A provider's error text as the gateway passes it on: at most 500 characters, marked when cut. */
export function providerMessage (text: string): string {
  return text.length > PROVIDER_MESSAGE_LIMIT ? `${text.slice(0, PROVIDER_MESSAGE_LIMIT)}…` : text
}

/**
 * The status a client is told for a provider's: 529 (overloaded) becomes 503, other 5xx outside 500/502/503/504
 * and anything outside 4xx–5xx become 502.
 */
export function clientStatusFor (status: number): number {
  if (status === 529) return 503
  if (status < 400 || status > 599) return 502
  if (status >= 500 && status !== 500 && status !== 502 && status !== 503 && status !== 504) return 502
  return status
}

/** Kind of error for an HTTP status a provider answered with. */
export function errorKindForStatus (status: number): ErrorKind {
  switch (status) {
    case 401: return 'authentication'
    case 403: return 'permission'
    case 404: return 'not_found'
    case 408: case 504: return 'upstream_timeout'
    case 413: return 'request_too_large'
    case 429: return 'rate_limited'
    case 503: case 529: return 'overloaded'
    case 502: return 'upstream_unavailable'
    default: return status >= 500 ? 'upstream_error' : 'invalid_request'
  }
}
