import { GatewayError, SHUTTING_DOWN } from '../../src/canonical/errors.ts'

/**
 * How one failed attempt counts (contract §3). `retry`: the next provider may answer instead, and the failure
 * is the provider's (network, timeout, 5xx, 408/409, and 401/403/404 — its key or model is wrong, not the
 * client's request). `rate-limited`: retry elsewhere and cool the provider down. `final`: the request
 * itself is at fault (400, 413, 422…), the client left, or the gateway is shutting down; no other provider would do better.
 */
export type FailureClass = 'retry' | 'rate-limited' | 'final'

const RETRYABLE_STATUSES = new Set([401, 403, 404, 408, 409])

export function classifyFailure (error: unknown): FailureClass {
  if (!(error instanceof GatewayError)) return 'retry'
  if (error.kind === 'client_closed' || error.code === SHUTTING_DOWN) return 'final'
  // A provider out of capacity, whatever status of its own says so (Groq's 498, Anthropic's 529).
  if (error.kind === 'overloaded') return 'retry'
  const status = error.upstreamStatus
  if (status === undefined) {
    return error.kind === 'upstream_timeout' || error.kind === 'upstream_unavailable' || error.kind === 'upstream_error' ||
      error.kind === 'internal'
      ? 'retry'
      : 'final'
  }
  return classifyFailureStatus(status)
}

/** The same rule for a bare status, as the metrics see finished attempts. */
export function classifyFailureStatus (status: number): FailureClass {
  if (status === 429) return 'rate-limited'
  if (status >= 500 || RETRYABLE_STATUSES.has(status)) return 'retry'
  return 'final'
}
