import { GatewayError, clientStatusFor, errorKindForStatus, providerMessage } from '../../src/canonical/errors.ts'

/**
 * Anthropic's `{type:"error", error:{type, message}}` -> GatewayError. 529 (overloaded) is told to OpenAI clients
 * as 503, and stays retryable; 413 from Cloudflare may come without a JSON body.
 */
export function parseAnthropicError (status: number, body: unknown, retryAfterSeconds: number | undefined, provider = 'anthropic'): GatewayError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: { type?: unknown, message?: unknown } }).error : undefined
  const type = typeof error?.type === 'string' ? error.type : null
  const text = typeof error?.message === 'string' && error.message !== '' ? error.message : `the provider answered ${status}`
  return new GatewayError(errorKindForStatus(status), clientStatusFor(status), `Anthropic error (${status}${type === null ? '' : ` ${type}`}): ${providerMessage(text)}`, {
    provider,
    code: type,
    retryAfterSeconds,
    upstreamStatus: status
  })
}

/** The status an in-stream error event stands for, from its type. */
export function statusOfErrorType (type: unknown): number {
  switch (type) {
    case 'invalid_request_error': return 400
    case 'authentication_error': return 401
    case 'permission_error': return 403
    case 'not_found_error': return 404
    case 'request_too_large': return 413
    case 'rate_limit_error': return 429
    case 'timeout_error': return 504
    case 'overloaded_error': return 529
    default: return 500
  }
}
