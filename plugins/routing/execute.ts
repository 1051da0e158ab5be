import type { ChatRequest } from '../../src/canonical/chat-request.ts'
import type { AttemptRecord, RequestRecord } from '../../src/observability/request-record.ts'
import { callProvider } from '../../src/call/call-provider.ts'
import type { CallOptions, ProviderResult, ProviderTarget } from '../../src/call/types.ts'
import { GatewayError } from '../../src/canonical/errors.ts'
import { classifyFailure } from './failure-class.ts'
import type { PlannedAttempt, RoutePlan } from './plan.ts'
import type { ProviderHealth } from './provider-health.ts'

export interface ProviderRuntime {
  target: ProviderTarget
  health: ProviderHealth
}

export interface ExecuteOptions extends CallOptions {
  /** Attempts are appended as they finish, and a stream's usage and size as it flows. */
  record: RequestRecord
  clock?: () => number
}

export interface Executed<T = ProviderResult> {
  attempt: PlannedAttempt
  result: T
}

/**
 * One attempt's call to a provider. It gets the call options with the accounting hooks already set, and must
 * resolve only once the provider has answered (or a stream has produced its first event), so that any failure
 * before that can move on to the next attempt.
 */
export type AttemptCall<T> = (attempt: PlannedAttempt, target: ProviderTarget, options: CallOptions) => Promise<T>

/** The canonical call: the provider's translators, for the model the attempt names. */
export function canonicalCall (request: ChatRequest): AttemptCall<ProviderResult> {
  return async (attempt, target, options) =>
    await callProvider(target, attempt.model === request.model ? request : { ...request, model: attempt.model }, options)
}

/**
 * Runs a plan: each attempt in order until one answers (contract §3 rule 5). A retryable failure moves on;
 * anything else returns at once. A stream commits to its provider when the first chunk arrives, so every
 * failure up to then is still retryable. Providers in cooldown or with an open circuit are skipped unless the
 * request is pinned. When nothing answers, one error lists every attempt.
 */
export async function executePlan<T> (
  plan: RoutePlan,
  options: ExecuteOptions,
  runtimeOf: (provider: string) => ProviderRuntime,
  call: AttemptCall<T>
): Promise<Executed<T>> {
  const clock = options.clock ?? Date.now
  const attempts = options.record.attempts
  // Allocated only when an attempt fails or is skipped: most requests are answered by their first attempt.
  let failures: GatewayError[] | undefined
  let skipped: string[] | undefined
  for (let index = 0; index < plan.attempts.length; index++) {
    const attempt = plan.attempts[index] as PlannedAttempt
    const { target, health } = runtimeOf(attempt.provider.name)
    const startedAt = clock()
    if (!plan.pinned && !health.admit(startedAt)) {
      const reason = health.unavailable(startedAt)
      ;(skipped ??= []).push(reason === undefined
        ? `${target.name}: skipped`
        : `${target.name}: ${reason.reason === 'cooldown' ? 'cooling down after 429' : 'circuit open'} for ${Math.ceil((reason.until - startedAt) / 1000)} s more`)
      if (reason !== undefined) (failures ??= []).push(unavailableError(target.name, reason.reason, reason.until - startedAt))
      continue
    }
    const started = performance.now()
    try {
      const result = await call(attempt, target, attemptOptions(options, health, clock))
      health.succeeded(clock())
      attempts.push({ provider: target.name, model: attempt.model, status: 200, success: true, startedAt: started, latencyMs: performance.now() - started })
      return { attempt, result }
    } catch (error) {
      const failure = error instanceof GatewayError ? error : new GatewayError('internal', 500, 'internal error', { cause: error })
      const status = failure.upstreamStatus ?? failure.status
      attempts.push({
        provider: target.name,
        model: attempt.model,
        status,
        success: false,
        startedAt: started,
        latencyMs: performance.now() - started,
        errorMessage: failure.message
      })
      const kind = classifyFailure(failure)
      if (kind === 'rate-limited') health.rateLimited(clock(), failure.retryAfterSeconds, failure.message)
      else if (kind === 'retry') health.failed(clock(), failure.message, status)
      else if (failure.kind === 'client_closed' || isClientsFault(failure)) health.released()
      else health.succeeded(clock())
      if (kind === 'final') throw error
      ;(failures ??= []).push(failure)
    }
  }
  throw allFailed(failures ?? [], attempts, skipped ?? [])
}

/** Refused before the provider was called (the request could not be translated): says nothing of the provider. */
function isClientsFault (failure: GatewayError): boolean {
  return failure.upstreamStatus === undefined && failure.kind === 'invalid_request'
}

/** One attempt's call options: the request's, with a stream's failure counted against the provider's health. */
function attemptOptions (options: ExecuteOptions, health: ProviderHealth, clock: () => number): CallOptions {
  return {
    requestId: options.requestId,
    client: options.client,
    log: options.log,
    requestTimeoutMs: options.requestTimeoutMs,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs,
    streamTimeoutMs: options.streamTimeoutMs,
    meter: options.meter,
    onStreamError: (error) => {
      // A committed stream that later fails for the provider's sake still counts against its health.
      if (classifyFailure(error) === 'retry') health.failed(clock(), error.message, error.upstreamStatus ?? error.status)
    }
  }
}

function unavailableError (provider: string, reason: 'cooldown' | 'open', remainingMs: number): GatewayError {
  const retryAfterSeconds = Math.max(1, Math.ceil(remainingMs / 1000))
  return reason === 'cooldown'
    ? new GatewayError('rate_limited', 429, `${provider} is rate limited`, { provider, retryAfterSeconds, upstreamStatus: 429 })
    : new GatewayError('overloaded', 503, `${provider} is failing; its circuit is open`, { provider, retryAfterSeconds })
}

/**
 * Contract §3: the last provider's status when it is 429 (with the shortest `retry-after`), else 502/503/504,
 * and a message listing the attempts. A single real attempt keeps its own error, which says more.
 */
function allFailed (failures: readonly GatewayError[], attempts: readonly AttemptRecord[], skipped: readonly string[]): GatewayError {
  const last = failures[failures.length - 1]
  if (last === undefined) return new GatewayError('overloaded', 503, 'No provider could take the request.', { code: 'no_provider_available' })
  if (failures.length === 1 && skipped.length === 0) return last
  const listed = [
    ...attempts.filter((attempt) => !attempt.success).map((attempt) => `${attempt.provider}: ${attempt.status}`),
    ...skipped
  ].join(', ')
  const lastStatus = last.upstreamStatus ?? last.status
  if (lastStatus === 429) {
    const waits = failures.map((failure) => failure.retryAfterSeconds).filter((wait): wait is number => wait !== undefined)
    const options = waits.length === 0 ? {} : { retryAfterSeconds: Math.min(...waits) }
    return new GatewayError('rate_limited', 429, `Every provider is rate limited or failing (${listed}).`, { code: 'all_providers_failed', ...options })
  }
  const status = last.status === 503 || last.status === 504 ? last.status : 502
  const kind = status === 503 ? 'overloaded' : status === 504 ? 'upstream_timeout' : 'upstream_error'
  const retryAfter = status === 503 && last.retryAfterSeconds !== undefined ? { retryAfterSeconds: last.retryAfterSeconds } : {}
  return new GatewayError(kind, status, `Every provider failed (${listed}).`, { code: 'all_providers_failed', ...retryAfter })
}
