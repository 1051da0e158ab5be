import { GatewayError, errorKindForStatus } from '../../src/errors.ts'

const MESSAGE_LIMIT = 500

/**
 * Cohere's `{message}` error body -> GatewayError. 498 (invalid or unsafe request) is the client's request and
 * not retryable: it becomes a 400. 499 (cancelled upstream) becomes a 502.
 */
export function parseCohereError (status: number, body: unknown, retryAfterSeconds: number | undefined, provider = 'cohere'): GatewayError {
  const text = typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
    ? (body as { message: string }).message
    : `the provider answered ${status}`
  const message = text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}…` : text
  const effective = status === 498 ? 400 : status === 499 ? 502 : status
  const clientStatus = effective >= 500 && ![500, 502, 503, 504].includes(effective) ? 502 : effective < 400 || effective > 599 ? 502 : effective
  return new GatewayError(errorKindForStatus(effective), clientStatus, `Cohere error (${status}): ${message}`, {
    provider,
    retryAfterSeconds,
    upstreamStatus: status
  })
}
