import { GatewayError } from '../canonical/errors.ts'
import { SharedStateUnavailable, type SharedState, type TakeStep } from '../shared-state/shared-state.ts'
import { fixedWindow, utcDay, utcMonth, type Period } from './periods.ts'
import { NANO_USD_PER_USD, type VirtualKey } from './virtual-key.ts'

/** What a request holds until it settles: the budget counters it reserved in, and its token window. */
export interface Reservation {
  readonly key: VirtualKey
  readonly budgets: ReadonlyArray<{ counter: string, reservedNanoUsd: number, ttlMs: number }>
  readonly tokens: { counter: string, ttlMs: number } | undefined
}

// Counters outlive their period by this much, so that one settling late still finds its counter.
const GRACE_MS = 60 * 60_000

const requestCounter = (key: VirtualKey, window: Period): string => `rl:${key.id}:req:${window.label}`
const tokenCounter = (key: VirtualKey, window: Period): string => `rl:${key.id}:tok:${window.label}`
const budgetCounter = (key: VirtualKey, name: 'day' | 'month', period: Period): string => `budget:${key.id}:${name}:${period.label}`

function retryAfter (now: number, endMs: number): number {
  return Math.max(1, Math.ceil((endMs - now) / 1000))
}

function usd (nanoUsd: number): string {
  return `$${(nanoUsd / NANO_USD_PER_USD).toFixed(nanoUsd < 1e7 ? 6 : 2)}`
}

/**
 * Admits a request under a virtual key's limits and budgets, or says why not, in one atomic step of the shared
 * state (one round trip): the token window is checked, the request is counted in its window, and the worst-case
 * cost is reserved in each budget; or, if any of them would go over, none of it happens.
 */
export async function admit (state: SharedState, key: VirtualKey, worstCaseNanoUsd: number, now: number): Promise<Reservation> {
  const window = fixedWindow(now, key.windowMs)
  const windowTtl = key.windowMs + GRACE_MS
  const steps: TakeStep[] = []
  const refusals: Array<(count: number) => GatewayError> = []
  const windowRefusal = (what: string, limit: number): GatewayError =>
    rateLimited(`${what} limit of key '${key.name}' reached (${limit} ${what === 'Token' ? 'tokens' : 'requests'} per ${key.windowMs / 1000} s); retry after ${retryAfter(now, window.endMs)} s.`, retryAfter(now, window.endMs))

  const tokensPerWindow = key.settings.tokensPerMinute
  const tokens = tokensPerWindow === undefined ? undefined : { counter: tokenCounter(key, window), ttlMs: windowTtl }
  // Amount 0 only checks: refused once the window's tokens have reached the limit.
  if (tokens !== undefined) {
    steps.push({ key: tokens.counter, amount: 0, limit: (tokensPerWindow as number) - 1, ttlMs: windowTtl })
    refusals.push(() => windowRefusal('Token', tokensPerWindow as number))
  }
  const requestsPerWindow = key.settings.requestsPerMinute
  if (requestsPerWindow !== undefined) {
    steps.push({ key: requestCounter(key, window), amount: 1, limit: requestsPerWindow, ttlMs: windowTtl })
    refusals.push(() => windowRefusal('Request', requestsPerWindow))
  }
  const budgets: Array<Reservation['budgets'][number]> = []
  for (const [name, limit, period] of [['day', key.dailyBudgetNanoUsd, utcDay(now)], ['month', key.monthlyBudgetNanoUsd, utcMonth(now)]] as const) {
    if (limit === undefined) continue
    const counter = budgetCounter(key, name, period)
    const ttlMs = period.endMs - now + GRACE_MS
    steps.push({ key: counter, amount: worstCaseNanoUsd, limit, ttlMs })
    budgets.push({ counter, reservedNanoUsd: worstCaseNanoUsd, ttlMs })
    refusals.push((count) => new GatewayError('rate_limited', 429,
      `The ${name === 'day' ? 'daily' : 'monthly'} budget of key '${key.name}' (${usd(limit)}) cannot cover this request: ` +
      `${usd(count)} is spent or reserved and this request may cost up to ${usd(worstCaseNanoUsd)}. It resets at ${new Date(period.endMs).toISOString()}.`,
      { code: 'insufficient_quota', retryAfterSeconds: retryAfter(now, period.endMs) }))
  }

  let taken
  try {
    taken = await state.takeAll(steps)
  } catch (error) {
    if (error instanceof SharedStateUnavailable) {
      throw rateLimited(`Limits for key '${key.name}' cannot be checked right now (${error.message}); retry shortly.`, 1, 'limits_unavailable')
    }
    throw error
  }
  if (!taken.allowed) throw (refusals[taken.refused] as (count: number) => GatewayError)(taken.counts[taken.refused] ?? 0)
  return { key, budgets, tokens }
}

/** After the response: each budget is charged what the request cost (the rest of its reservation released), and its tokens counted. */
export async function settle (state: SharedState, reservation: Reservation, costNanoUsd: number, tokens: number): Promise<void> {
  const steps: Array<Promise<unknown>> = reservation.budgets.map(({ counter, reservedNanoUsd, ttlMs }) =>
    reservedNanoUsd === costNanoUsd ? Promise.resolve() : state.add(counter, costNanoUsd - reservedNanoUsd, ttlMs))
  if (reservation.tokens !== undefined && tokens > 0) steps.push(state.add(reservation.tokens.counter, tokens, reservation.tokens.ttlMs))
  await Promise.all(steps)
}

/** A key's usage now, for the admin API: the current window's counts and each budget's spend. */
export async function usageOf (state: SharedState, key: VirtualKey, now: number): Promise<KeyUsage> {
  const window = fixedWindow(now, key.windowMs)
  const day = utcDay(now)
  const month = utcMonth(now)
  const [requests = 0, tokens = 0, spentDay = 0, spentMonth = 0] = await state.read([
    requestCounter(key, window), tokenCounter(key, window), budgetCounter(key, 'day', day), budgetCounter(key, 'month', month)
  ])
  const budget = (limit: number | undefined, spent: number, period: Period): KeyBudget | null => limit === undefined
    ? null
    : { limitUsd: limit / NANO_USD_PER_USD, usedUsd: spent / NANO_USD_PER_USD, remainingUsd: Math.max(0, limit - spent) / NANO_USD_PER_USD, resetsAt: new Date(period.endMs).toISOString() }
  return {
    window: { seconds: key.windowMs / 1000, requests, tokens, resetsAt: new Date(window.endMs).toISOString() },
    daily: budget(key.dailyBudgetNanoUsd, spentDay, day),
    monthly: budget(key.monthlyBudgetNanoUsd, spentMonth, month)
  }
}

/** `usedUsd`: spent, plus what requests still in flight have reserved. */
export interface KeyBudget { limitUsd: number, usedUsd: number, remainingUsd: number, resetsAt: string }
export interface KeyUsage {
  window: { seconds: number, requests: number, tokens: number, resetsAt: string }
  daily: KeyBudget | null
  monthly: KeyBudget | null
}

function rateLimited (message: string, retryAfterSeconds: number, code = 'rate_limit_exceeded'): GatewayError {
  return new GatewayError('rate_limited', 429, message, { code, retryAfterSeconds })
}
