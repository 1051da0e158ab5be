import type { ChatRequest } from '../../src/canonical/chat-request.ts'
import type { AttemptRecord, RequestRecord } from '../../src/observability/request-record.ts'
import { callProvider } from '../../src/call/call-provider.ts'
import type { CallOptions, ProviderResult, ProviderTarget } from '../../src/call/types.ts'
import { GatewayError } from '../../src/canonical/errors.ts'
import { classifyFailure } from './failure-class.ts'
import type { PlannedAttempt, RoutePlan } from './plan.ts'
import type { ProviderHealth } from './provider-health.ts'
import { admissionTokens, DEFAULT_WAITER, type Admission, type QueueIdentity } from '../../src/provider-limits/admission.ts'
import type { Candidate } from '../../src/provider-limits/admission-queue.ts'
import type { QueueRefusal } from '../../src/store/store.ts'
import { UNCOUNTED, type Busy, type Permit, type ProviderLimiter } from '../../src/provider-limits/provider-limiter.ts'

export interface ProviderRuntime {
  target: ProviderTarget
  health: ProviderHealth
  /** The provider's rate limits, when it declares any or its headers state them (plugins/provider-limits). */
  limiter?: ProviderLimiter | undefined
}

export interface ExecuteOptions extends CallOptions {
  /** Attempts are appended as they finish, and a stream's usage and size as it flows. */
  record: RequestRecord
  /** Who the request is, should it wait in the rate-limit queue. */
  waiter?: QueueIdentity | undefined
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
 * request is pinned. A provider at one of its rate limits is passed over for the next attempt; when every
 * attempt that did not fail is at a limit, the request waits in the admission queue for the first of them to
 * free up (docs/routing.md, Admission). When nothing answers, one error lists every attempt.
 */
export async function executePlan<T> (
  plan: RoutePlan,
  options: ExecuteOptions,
  runtimeOf: (provider: string) => ProviderRuntime,
  call: AttemptCall<T>,
  admission?: Admission
): Promise<Executed<T>> {
  const clock = options.clock ?? Date.now
  const attempts = options.record.attempts
  // Allocated only when an attempt fails or is skipped: most requests are answered by their first attempt.
  let failures: GatewayError[] | undefined
  let atLimit: Array<{ index: number, busy: Busy }> | undefined
  // The prompt is measured once; what the answer may use depends on each attempt's model.
  let promptChars: number | undefined
  const tokensOf = (attempt: PlannedAttempt) => (): number => admissionTokens(promptChars ??= options.record.promptChars(),
    options.record.maxOutputTokens, attempt.provider.catalog.find(attempt.model)?.maxOutputTokens)

  /** One attempt, once admitted: its answer, or undefined when it failed in a way the next attempt may mend. */
  async function attemptOnce (attempt: PlannedAttempt, runtime: ProviderRuntime, permit: Permit | undefined): Promise<Executed<T> | undefined> {
    const { target, health } = runtime
    const started = performance.now()
    const member = attempt.member
    member?.started()
    try {
      const result = await call(attempt, target, attemptOptions(options, runtime, attempt.model, clock))
      health.succeeded(clock())
      // For a stream, the time to its first chunk; for a whole answer, its latency: what a group's latency strategy follows.
      const answeredMs = performance.now() - started
      attempts.push({ provider: target.name, model: attempt.model, status: 200, success: true, startedAt: started, latencyMs: answeredMs })
      if (permit !== undefined) options.client.onClose(() => { permit.release(usedTokens(options.record)) })
      if (member !== undefined) {
        const record = options.record
        options.client.onClose(() => { member.finished(answeredMs, record.error !== undefined, record.softFailure !== undefined, clock()) })
      }
      return { attempt, result }
    } catch (error) {
      permit?.release(0)
      member?.finished(performance.now() - started, true, false, clock())
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
      return undefined
    }
  }

  /** Whether health lets an attempt go now; a skipped one is noted for the final error. */
  function healthAdmits (runtime: ProviderRuntime, now: number): boolean {
    if (plan.pinned || runtime.health.admit(now)) return true
    const name = runtime.target.name
    const reason = runtime.health.unavailable(now)
    ;(options.record.skipped ??= []).push(reason === undefined
      ? `${name}: skipped`
      : `${name}: ${reason.reason === 'cooldown' ? 'cooling down after 429' : 'circuit open'} for ${Math.ceil((reason.until - now) / 1000)} s more`)
    if (reason !== undefined) (failures ??= []).push(unavailableError(name, reason.reason, reason.until - now))
    return false
  }

  for (let index = 0; index < plan.attempts.length; index++) {
    const attempt = plan.attempts[index] as PlannedAttempt
    const runtime = runtimeOf(attempt.provider.name)
    const startedAt = clock()
    if (!healthAdmits(runtime, startedAt)) continue
    let permit: Permit | undefined
    const limiter = runtime.limiter
    if (limiter !== undefined && admission !== undefined) {
      const queue = admission.queue
      let taken: Permit | Busy
      try {
        const lane = queue.depth() === 0 ? '' : limiter.lane(attempt.model)
        const result = lane !== '' && queue.waiting(lane) > 0 ? queue.behind(lane, startedAt) : limiter.take(attempt.model, tokensOf(attempt), startedAt)
        taken = result instanceof Promise ? await result : result
      } catch (error) {
        runtime.health.released()
        throw error
      }
      if (taken.busy) {
        // Health admitted it (a half-open probe included), but it is not called now.
        runtime.health.released()
        ;(atLimit ??= []).push({ index, busy: taken })
        continue
      }
      if (taken !== UNCOUNTED) {
        permit = taken
        options.record.queuedMs ??= 0
      }
    }
    const executed = await attemptOnce(attempt, runtime, permit)
    if (executed !== undefined) return executed
  }
  if (atLimit !== undefined) return await waitForCapacity(atLimit)
  throw allFailed(failures ?? [], attempts, options.record.skipped ?? [])

  /** Every attempt that did not fail is at a limit: wait in the queue for one, and try it when it admits. */
  async function waitForCapacity (waiting: Array<{ index: number, busy: Busy }>): Promise<Executed<T>> {
    const { queue } = admission as Admission
    const waiter = options.waiter?.queueWaiter() ?? DEFAULT_WAITER
    while (waiting.length > 0) {
      const candidates: Candidate[] = waiting.map(({ index }) => {
        const attempt = plan.attempts[index] as PlannedAttempt
        const limiter = runtimeOf(attempt.provider.name).limiter as ProviderLimiter
        return { index, provider: attempt.provider.name, model: attempt.model, lane: limiter.lane(attempt.model), tokens: tokensOf(attempt), limiter }
      })
      let admitted
      const enqueuedAt = performance.now()
      try {
        admitted = await queue.wait(waiter, candidates, waiting.map(({ busy }) => busy), options.client)
      } catch (error) {
        // A refusal says how long the request waited before it, too.
        options.record.queuedMs = (options.record.queuedMs ?? 0) + (performance.now() - enqueuedAt)
        const first = candidates[0] as Candidate
        const reason = error instanceof GatewayError ? REFUSAL_REASONS[error.code ?? ''] : undefined
        if (reason !== undefined) options.record.queueRefused = { provider: first.provider, model: first.model, reason }
        throw error
      }
      options.record.queuedMs = (options.record.queuedMs ?? 0) + admitted.queuedMs
      waiting.splice(waiting.findIndex(({ index }) => index === admitted.candidate.index), 1)
      const attempt = plan.attempts[admitted.candidate.index] as PlannedAttempt
      const runtime = runtimeOf(attempt.provider.name)
      if (!healthAdmits(runtime, clock())) {
        admitted.permit.release(0)
        continue
      }
      const executed = await attemptOnce(attempt, runtime, admitted.permit)
      if (executed !== undefined) return executed
    }
    throw allFailed(failures ?? [], attempts, options.record.skipped ?? [])
  }
}

// The queue's refusals by their error code (admission-queue.ts); anything else it throws is not a refusal.
const REFUSAL_REASONS: Readonly<Record<string, QueueRefusal>> =
  Object.assign(Object.create(null) as object, { queue_full: 'queue_full', queue_timeout: 'queue_timeout', rate_limit_exceeded: 'wait_too_long' } as const)

/** What the answer used, to correct the estimate counted at admission; undefined when it reported nothing. */
function usedTokens (record: RequestRecord): number | undefined {
  const usage = record.usage
  return usage === undefined ? undefined : (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0)
}

/** Refused before the provider was called (the request could not be translated): says nothing of the provider. */
function isClientsFault (failure: GatewayError): boolean {
  return failure.upstreamStatus === undefined && failure.kind === 'invalid_request'
}

/**
 * One attempt's call options: the request's, with a stream's failure counted against the provider's health and,
 * for a provider with limits, its answer's rate-limit headers read.
 */
function attemptOptions (options: ExecuteOptions, runtime: ProviderRuntime, model: string, clock: () => number): CallOptions {
  const { health, limiter } = runtime
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
    },
    onUpstreamHeaders: limiter === undefined ? undefined : (status, headers) => { limiter.observe(model, status, headers, clock()) }
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
