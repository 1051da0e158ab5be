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
