import { GatewayError } from '../canonical/errors.ts'
import { fixedWindow } from '../governance/periods.ts'
import { readRateLimitFamily, type RateLimitHeaders, type RateLimitReading } from '../provider/rate-limit-headers.ts'
import { SharedStateUnavailable, type SharedState, type TakeStep } from '../shared-state/shared-state.ts'
import type { DeclaredLimits, Limits } from './declared-limits.ts'

export type LimitReason = 'requests' | 'tokens' | 'concurrency' | 'provider-requests' | 'provider-tokens' | 'queued'

/** The provider (or model) is at a limit; capacity is expected back at `freesAt` (epoch ms). */
export interface Busy {
  readonly busy: true
  readonly reason: LimitReason
  readonly freesAt: number
}

/** An admitted attempt's hold on the limits, given back once its request is over. */
export interface Permit {
  readonly busy: false
  /** `tokens`: what the answer used, when known, to correct the estimate counted at admission. */
  release: (tokens: number | undefined) => void
}

export interface LimitHeadroom {
  model: string | null
  limit: 'requests_per_minute' | 'tokens_per_minute' | 'concurrency'
  declared: number
  /** The declared limit, or a lower one the provider stated. */
  effective: number
  used: number
  remaining: number
}

export interface LearnedLimits {
  model: string
  requestsPerMinute?: number
  tokensPerMinute?: number
  requests?: { remaining: number, resetAt: string }
  tokens?: { remaining: number, resetAt: string }
}

export interface ProviderLimiter {
  readonly provider: string
  /**
   * Admits one attempt at `model`, counting the request's tokens (asked for only when a token limit needs them),
   * or says until when it is at a limit. Synchronous when nothing needs the shared state.
   */
  take: (model: string, tokens: () => number, now: number) => Promise<Permit | Busy> | Permit | Busy
  /**
   * Which requests compete for the same capacity as one at `model`: all of the provider's, when it has limits of
   * its own, else that model's. The queue keeps newcomers behind those waiting in the same lane.
   */
  lane: (model: string) => string
  /**
   * Reads what an answer's headers said about the account's limits (the provider folder names them): on every
   * answer once the provider has declared limits or has answered 429, and not before, so that a provider nobody
   * limits costs nothing.
   */
  observe: (model: string, status: number, headers: Record<string, string | string[] | undefined>, now: number) => void
  /** Called whenever a permit is given back, so that waiting requests may try again. */
  onRelease: (listener: () => void) => void
  headroom: (now: number) => Promise<LimitHeadroom[]>
  learned: (now: number) => LearnedLimits[]
}

const MINUTE_MS = 60_000
// Window counters outlive their minute so that a late correction still finds its counter.
const WINDOW_TTL_MS = 2 * MINUTE_MS
// A held count (requests in flight) lapses this long after its last change: a process that died holding slots
// gives them back then.
const HELD_TTL_MS = 10 * MINUTE_MS
const DEFAULT_HOLD_MS = 1_000
const CONCURRENCY_RECHECK_MS = 25
const LEARNED_MODELS_LIMIT = 1_000

interface Scope {
  name: string
  model: string | null
  limits: Limits
}

interface Learned {
  requestsPerMinute?: number
  tokensPerMinute?: number
  requests?: { remaining: number, resetAt: number }
  tokens?: { remaining: number, resetAt: number }
}

interface Held {
  startedAt: number
}

/**
 * One provider's limits: the declared ones, counted in the shared state (so that every replica and worker counts
 * together), narrowed by what the provider's own headers say. Requests and tokens count in fixed minute windows
 * aligned to the clock; requests in flight in a held counter. A provider that declares nothing and whose headers
 * said nothing is admitted without a round trip.
 *
 * `largestRequest`: the most tokens one request to a model can count (its context window). While a provider says
 * more tokens are left than that, a request fits without working out its own count.
 */
export function createProviderLimiter (
  provider: string,
  declared: DeclaredLimits | undefined,
  headers: RateLimitHeaders | undefined,
  state: SharedState,
  largestRequest: (model: string) => number
): ProviderLimiter {
  const providerScope: Scope | undefined = declared === undefined || Object.keys(declared.provider).length === 0
    ? undefined
    : { name: `plim:${provider}`, model: null, limits: declared.provider }
  const modelScopes = new Map<string, Scope>([...(declared?.models ?? new Map<string, Limits>())].map(([model, limits]) =>
    [model, { name: `plim:${provider}:m:${model}`, model, limits }]))
  const learned = new Map<string, Learned>()
  const held = new Set<Held>()
  const listeners: Array<() => void> = []
  let holdMs: number | undefined
  let watching = declared !== undefined

  const scopesOf = (model: string): Scope[] => {
    const own = modelScopes.get(model)
    return providerScope === undefined ? (own === undefined ? [] : [own]) : (own === undefined ? [providerScope] : [providerScope, own])
  }

  /** The per-minute limit in force: the declared one, or a lower one the provider stated for this model. */
  const effective = (scope: Scope, field: 'requestsPerMinute' | 'tokensPerMinute', model: string): number | undefined => {
    const declaredLimit = scope.limits[field]
    if (declaredLimit === undefined) return undefined
    // A model's stated limit narrows its own scope when it has one, else the provider's.
    const narrows = scope.model !== null || !modelScopes.has(model)
    const stated = narrows ? learned.get(model)?.[field] : undefined
    return stated === undefined ? declaredLimit : Math.min(declaredLimit, stated)
  }

  function freesAt (reason: LimitReason, now: number, windowEnd: number, resetAt: number | undefined): number {
    if (reason === 'concurrency') {
      const hold = holdMs ?? DEFAULT_HOLD_MS
      let earliest = Infinity
      for (const entry of held) earliest = Math.min(earliest, entry.startedAt + hold)
      // Past its estimate, a slot held elsewhere (another replica) is asked for again at this pace, not in a tight loop.
      return Math.max(now + CONCURRENCY_RECHECK_MS, earliest === Infinity ? now + hold : earliest)
    }
    if (reason === 'provider-requests' || reason === 'provider-tokens') return resetAt ?? now + 1_000
    return windowEnd
  }

  /** What the provider said is left, spent locally until its next answer says again. */
  function learnedBusy (model: string, tokensOf: () => number, now: number): Busy | undefined {
    const state = learned.get(model)
    if (state === undefined) return undefined
    const left = state.tokens
    const tokens = left !== undefined && left.resetAt > now && left.remaining <= largestRequest(model) ? tokensOf() : 0
    const requests = state.requests
    if (requests !== undefined && requests.resetAt > now && requests.remaining <= 0) {
      return { busy: true, reason: 'provider-requests', freesAt: requests.resetAt }
    }
    if (left !== undefined && left.resetAt > now && left.remaining < tokens) {
      return { busy: true, reason: 'provider-tokens', freesAt: left.resetAt }
    }
    if (requests !== undefined && requests.resetAt > now) requests.remaining--
    if (left !== undefined && left.resetAt > now) left.remaining -= tokens
    return undefined
  }

  function released (entry: Held | undefined, now: number): void {
    if (entry !== undefined) {
      held.delete(entry)
      const hold = now - entry.startedAt
      holdMs = holdMs === undefined ? hold : 0.8 * holdMs + 0.2 * hold
    }
    for (const listener of listeners) listener()
  }

  async function takeShared (scopes: readonly Scope[], model: string, tokensOf: () => number, now: number): Promise<Permit | Busy> {
    const window = fixedWindow(now, MINUTE_MS)
    const steps: TakeStep[] = []
    const reasons: LimitReason[] = []
    let tokenCounters: string[] | undefined
    let counted = 0
    let heldCounters: string[] | undefined
    for (const scope of scopes) {
      const requests = effective(scope, 'requestsPerMinute', model)
      if (requests !== undefined) {
        steps.push({ key: `${scope.name}:req:${window.label}`, amount: 1, limit: requests, ttlMs: WINDOW_TTL_MS })
        reasons.push('requests')
      }
      const tokenLimit = effective(scope, 'tokensPerMinute', model)
      if (tokenLimit !== undefined) {
        // A request larger than the whole window's allowance goes alone, in a window of its own.
        const amount = Math.min(tokensOf(), tokenLimit)
        const key = `${scope.name}:tok:${window.label}`
        steps.push({ key, amount, limit: tokenLimit, ttlMs: WINDOW_TTL_MS })
        reasons.push('tokens')
        ;(tokenCounters ??= []).push(key)
        counted = amount
      }
      if (scope.limits.maxConcurrency !== undefined) {
        const key = `${scope.name}:inflight`
        steps.push({ key, amount: 1, limit: scope.limits.maxConcurrency, ttlMs: -HELD_TTL_MS })
        reasons.push('concurrency')
        ;(heldCounters ??= []).push(key)
      }
    }
    let taken
    try {
      taken = await state.takeAll(steps)
    } catch (error) {
      if (error instanceof SharedStateUnavailable) {
        throw new GatewayError('rate_limited', 429, `${provider}'s limits cannot be checked right now (${error.message}); retry shortly.`,
          { code: 'limits_unavailable', retryAfterSeconds: 1 })
      }
      throw error
    }
    if (!taken.allowed) {
      const reason = reasons[taken.refused] as LimitReason
      return { busy: true, reason, freesAt: freesAt(reason, now, window.endMs, undefined) }
    }
    const entry: Held | undefined = heldCounters === undefined ? undefined : { startedAt: now }
    if (entry !== undefined) held.add(entry)
    let done = false
    return {
      busy: false,
      release (used) {
        if (done) return
        done = true
        for (const key of heldCounters ?? []) void state.add(key, -1, -HELD_TTL_MS).catch(ignore)
        if (used !== undefined && used !== counted) {
          for (const key of tokenCounters ?? []) void state.add(key, used - counted, WINDOW_TTL_MS).catch(ignore)
        }
        released(entry, Date.now())
      }
    }
  }

  return {
    provider,
    lane: (model) => providerScope === undefined ? `${provider}\u0000${model}` : provider,
    take (model, tokens, now) {
      const busy = learned.size === 0 ? undefined : learnedBusy(model, tokens, now)
      if (busy !== undefined) return busy
      const scopes = scopesOf(model)
      return scopes.length === 0 ? UNCOUNTED : takeShared(scopes, model, tokens, now)
    },
    observe (model, status, answerHeaders, now) {
      if (headers === undefined || (!watching && status !== 429)) return
      watching = true
      const requests = readRateLimitFamily(headers.requests, answerHeaders, now)
      const tokens = readRateLimitFamily(headers.tokens, answerHeaders, now)
      if (requests === undefined && tokens === undefined) return
      let entry = learned.get(model)
      if (entry === undefined) {
        if (learned.size >= LEARNED_MODELS_LIMIT) learned.clear()
        entry = {}
        learned.set(model, entry)
      }
      apply(entry, 'requests', 'requestsPerMinute', requests)
      apply(entry, 'tokens', 'tokensPerMinute', tokens)
    },
    onRelease: (listener) => { listeners.push(listener) },
    async headroom (now) {
      const window = fixedWindow(now, MINUTE_MS)
      const rows: Array<Omit<LimitHeadroom, 'used' | 'remaining'> & { key: string }> = []
      for (const scope of [...(providerScope === undefined ? [] : [providerScope]), ...modelScopes.values()]) {
        // The provider's counter is narrowed per model; reported here is the narrowest any model was given.
        const models = scope.model === null ? [...learned.keys()].filter((model) => !modelScopes.has(model)) : [scope.model]
        const narrowest = (field: 'requestsPerMinute' | 'tokensPerMinute'): number | undefined =>
          Math.min(scope.limits[field] ?? Infinity, ...models.map((model) => effective(scope, field, model) ?? Infinity))
        const add = (limit: LimitHeadroom['limit'], declaredLimit: number | undefined, effectiveLimit: number | undefined, key: string): void => {
          if (declaredLimit !== undefined) rows.push({ model: scope.model, limit, declared: declaredLimit, effective: effectiveLimit ?? declaredLimit, key })
        }
        add('requests_per_minute', scope.limits.requestsPerMinute, narrowest('requestsPerMinute'), `${scope.name}:req:${window.label}`)
        add('tokens_per_minute', scope.limits.tokensPerMinute, narrowest('tokensPerMinute'), `${scope.name}:tok:${window.label}`)
        add('concurrency', scope.limits.maxConcurrency, scope.limits.maxConcurrency, `${scope.name}:inflight`)
      }
      const used = rows.length === 0 ? [] : await state.read(rows.map((row) => row.key))
      return rows.map(({ key: _key, ...row }, index) => {
        const count = used[index] ?? 0
        return { ...row, used: count, remaining: Math.max(0, row.effective - count) }
      })
    },
    learned (now) {
      return [...learned].map(([model, entry]) => {
        const out: LearnedLimits = { model }
        if (entry.requestsPerMinute !== undefined) out.requestsPerMinute = entry.requestsPerMinute
        if (entry.tokensPerMinute !== undefined) out.tokensPerMinute = entry.tokensPerMinute
        if (entry.requests !== undefined && entry.requests.resetAt > now) out.requests = { remaining: Math.max(0, entry.requests.remaining), resetAt: new Date(entry.requests.resetAt).toISOString() }
        if (entry.tokens !== undefined && entry.tokens.resetAt > now) out.tokens = { remaining: Math.max(0, entry.tokens.remaining), resetAt: new Date(entry.tokens.resetAt).toISOString() }
        return out
      })
    }
  }
}

function apply (entry: Learned, family: 'requests' | 'tokens', perMinute: 'requestsPerMinute' | 'tokensPerMinute', reading: RateLimitReading | undefined): void {
  if (reading === undefined) return
  if (reading.limitPerMinute !== undefined) entry[perMinute] = reading.limitPerMinute
  if (reading.remaining === undefined || reading.resetAt === undefined) return
  // Changed in place: a new object per answer, held by this long-lived entry, would be promoted by the collector.
  const held = entry[family]
  if (held === undefined) {
    entry[family] = { remaining: reading.remaining, resetAt: reading.resetAt }
  } else {
    held.remaining = reading.remaining
    held.resetAt = reading.resetAt
  }
}

const ignore = (): void => {}

/** Admitted with nothing counted (no declared limit applies): nothing to give back. */
export const UNCOUNTED: Permit = { busy: false, release: ignore }
