/**
 * Per-provider availability: a cooldown after 429 and a circuit breaker over recent failures (contract §3).
 * Small and synchronous on purpose: `admit` runs once per attempt on the hot path, so it is a few comparisons.
 * A library breaker (cockatiel) wraps the call itself; the gateway needs to decide before the call, skip
 * without calling, and show the state, so this is the smaller fit.
 */
export type CircuitState = 'closed' | 'open' | 'half-open'

export interface HealthPolicy {
  /** Consecutive failures that open the circuit. */
  consecutiveFailures: number
  /** Failure share of the recent window that opens the circuit… */
  failureRatio: number
  /** …over this many recent outcomes… */
  windowSize: number
  /** …once at least this many are in it. */
  minimumSamples: number
  /** How long an open circuit, or a 429 without `retry-after`, keeps the provider out. */
  cooldownMs: number
  /** The longest a `retry-after` may keep a provider out. */
  maxRetryAfterMs: number
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  consecutiveFailures: 5,
  failureRatio: 0.5,
  windowSize: 20,
  minimumSamples: 10,
  cooldownMs: 30_000,
  maxRetryAfterMs: 300_000
}

export interface HealthSnapshot {
  circuit: CircuitState
  /** Epoch ms until which the provider is skipped after a 429; absent when not cooling down. */
  cooldownUntil?: number
  /** Epoch ms until which the open circuit keeps the provider out. */
  openUntil?: number
  consecutiveFailures: number
  recentFailures: number
  recentSamples: number
  lastError?: { at: number, message: string, status?: number }
  lastSuccessAt?: number
}

export interface Transition {
  provider: string
  from: CircuitState | 'cooldown' | 'available'
  to: CircuitState | 'cooldown' | 'available'
  reason: string
  /** Epoch ms, for `open` and `cooldown`: until when the provider is skipped. */
  until?: number
  /** Imposed from another replica's observation (`impose`), not seen here. */
  imposed?: true
}

export type Unavailability = { reason: 'cooldown' | 'open', until: number }

export interface ProviderHealth {
  /**
   * May an attempt go to this provider now? In half-open state only one probe is let through at a time.
   * Every admitted attempt must end in `succeeded` (any answer that is not the provider's fault, a 400
   * included), `failed`, `rateLimited` or `released`.
   */
  admit: (now: number) => boolean
  /** Why `admit` said no, and until when. */
  unavailable: (now: number) => Unavailability | undefined
  succeeded: (now: number) => void
  failed: (now: number, message: string, status?: number) => void
  rateLimited: (now: number, retryAfterSeconds: number | undefined, message: string) => void
  /** The attempt ended without saying anything about the provider (the client went away first). */
  released: () => void
  /** A cooldown or an open circuit another replica saw, in force here too until `until` (epoch ms). */
  impose: (kind: 'cooldown' | 'open', until: number, now: number) => void
  snapshot: (now: number) => HealthSnapshot
}

export function createProviderHealth (
  provider: string,
  policy: HealthPolicy,
  onTransition: (transition: Transition) => void
): ProviderHealth {
  let circuit: CircuitState = 'closed'
  let openUntil = 0
  let cooldownUntil = 0
  let probeInFlight = false
  let consecutive = 0
  const window = new Uint8Array(policy.windowSize)
  let windowNext = 0
  let samples = 0
  let failures = 0
  let lastError: HealthSnapshot['lastError']
  let lastSuccessAt: number | undefined

  function move (to: CircuitState, reason: string, extra: Pick<Transition, 'until' | 'imposed'> = {}): void {
    if (to === circuit) return
    onTransition({ provider, from: circuit, to, reason, ...extra })
    circuit = to
  }

  function push (failure: boolean): void {
    if (samples === policy.windowSize) failures -= window[windowNext] ?? 0
    else samples++
    window[windowNext] = failure ? 1 : 0
    if (failure) failures++
    windowNext = (windowNext + 1) % policy.windowSize
  }

  function clearWindow (): void {
    window.fill(0)
    windowNext = 0
    samples = 0
    failures = 0
    consecutive = 0
  }

  function success (now: number): void {
    probeInFlight = false
    consecutive = 0
    push(false)
    if (circuit !== 'closed') {
      clearWindow()
      move('closed', 'probe succeeded')
    }
    if (cooldownUntil !== 0 && now >= cooldownUntil) cooldownUntil = 0
    lastSuccessAt = now
  }

  return {
    admit (now) {
      if (cooldownUntil > now) return false
      if (cooldownUntil !== 0) {
        cooldownUntil = 0
        onTransition({ provider, from: 'cooldown', to: 'available', reason: 'retry-after elapsed' })
      }
      if (circuit === 'closed') return true
      if (circuit === 'open') {
        if (now < openUntil) return false
        move('half-open', 'cool-down elapsed; letting one probe through')
      }
      if (probeInFlight) return false
      probeInFlight = true
      return true
    },
    unavailable (now) {
      if (cooldownUntil > now) return { reason: 'cooldown', until: cooldownUntil }
      if (circuit === 'open' && now < openUntil) return { reason: 'open', until: openUntil }
      if (circuit === 'half-open' && probeInFlight) return { reason: 'open', until: now + policy.cooldownMs }
      return undefined
    },
    succeeded: success,
    failed (now, message, status) {
      probeInFlight = false
      lastError = status === undefined ? { at: now, message } : { at: now, message, status }
      consecutive++
      push(true)
      const ratioTripped = samples >= policy.minimumSamples && failures / samples >= policy.failureRatio
      if (circuit === 'half-open' || consecutive >= policy.consecutiveFailures || ratioTripped) {
        openUntil = now + policy.cooldownMs
        const reason = circuit === 'half-open'
          ? 'probe failed'
          : consecutive >= policy.consecutiveFailures
            ? `${consecutive} failures in a row`
            : `${failures} of the last ${samples} attempts failed`
        if (circuit === 'open') return
        move('open', reason, { until: openUntil })
      }
    },
    rateLimited (now, retryAfterSeconds, message) {
      probeInFlight = false
      lastError = { at: now, message, status: 429 }
      const waitMs = retryAfterSeconds === undefined
        ? policy.cooldownMs
        : Math.min(Math.max(0, retryAfterSeconds * 1000), policy.maxRetryAfterMs)
      const until = now + waitMs
      if (until > cooldownUntil) {
        onTransition({ provider, from: cooldownUntil <= now ? 'available' : 'cooldown', to: 'cooldown', reason: `429, skipped for ${Math.ceil(waitMs / 1000)} s`, until })
        cooldownUntil = until
      }
    },
    released () {
      probeInFlight = false
    },
    impose (kind, until, now) {
      if (until <= now) return
      if (kind === 'cooldown') {
        if (until <= cooldownUntil) return
        onTransition({ provider, from: cooldownUntil <= now ? 'available' : 'cooldown', to: 'cooldown', reason: 'a 429 seen by another replica', until, imposed: true })
        cooldownUntil = until
        return
      }
      if (circuit === 'open' && until <= openUntil) return
      openUntil = until
      probeInFlight = false
      if (circuit === 'open') return
      move('open', 'opened by another replica', { until, imposed: true })
    },
    snapshot (now) {
      const snapshot: HealthSnapshot = {
        circuit: circuit === 'open' && now >= openUntil ? 'half-open' : circuit,
        consecutiveFailures: consecutive,
        recentFailures: failures,
        recentSamples: samples
      }
      if (cooldownUntil > now) snapshot.cooldownUntil = cooldownUntil
      if (circuit === 'open' && now < openUntil) snapshot.openUntil = openUntil
      if (lastError !== undefined) snapshot.lastError = lastError
      if (lastSuccessAt !== undefined) snapshot.lastSuccessAt = lastSuccessAt
      return snapshot
    }
  }
}
