import { GatewayError, clientStatusFor, errorKindForStatus, providerMessage } from '../../src/canonical/errors.ts'

/**
 * Cohere's `{message}` error body -> GatewayError. 498 (invalid or unsafe request) is the client's request and
 * not retryable: it becomes a 400. 499 (cancelled upstream) becomes a 502.
 */
export function parseCohereError (status: number, body: unknown, retryAfterSeconds: number | undefined, provider = 'cohere'): GatewayError {
  const text = typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
    ? (body as { message: string }).message
    : `the provider answered ${status}`
  const effective = status === 498 ? 400 : status === 499 ? 502 : status
  return new GatewayError(errorKindForStatus(effective), clientStatusFor(effective), `Cohere error (${status}): ${providerMessage(text)}`, {
    provider,
    retryAfterSeconds,
    upstreamStatus: status
  })
}
