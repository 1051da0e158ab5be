/** A counter's state after `take`: whether the amount was added, and the count after the call. */
export interface Taken {
  allowed: boolean
  count: number
}

/**
 * Counters that every process serving one gateway sees alike: per-key rate-limit windows and budget ledgers.
 * Amounts are integers (budgets count nano-USD), so that Redis adds them exactly and atomically. Each counter
 * expires `ttlMs` after it was first written: a window or budget period names its counter, and the counter goes
 * with it.
 */
export interface SharedState {
  readonly kind: 'memory' | 'redis'
  /** Adds `amount` only if the counter stays within `limit`; one atomic step, so concurrent callers never overshoot. */
  take: (key: string, amount: number, limit: number, ttlMs: number) => Promise<Taken>
  /** Adds `amount` (which may be negative: a settled reservation gives back what was not used). */
  add: (key: string, amount: number, ttlMs: number) => Promise<number>
  /** The counters' values, 0 for one that does not exist. */
  read: (keys: readonly string[]) => Promise<number[]>
  /** Tells every other process sharing this state (best effort: a message lost while Redis is away is lost). */
  publish: (message: SharedMessage) => void
  /** Messages other processes published; never this process's own. */
  subscribe: (listener: (message: SharedMessage) => void) => void
  close: () => Promise<void>
}

/**
 * What replicas tell each other: a provider skipped after a 429, or its circuit opened, for `forMs` from now (a
 * duration, not a moment, so that replicas' clocks need not agree).
 */
export interface SharedMessage {
  type: 'provider-health'
  provider: string
  kind: 'cooldown' | 'open'
  forMs: number
}

/** Thrown when the shared state cannot answer and the policy is to refuse (`SHARED_STATE_ON_FAILURE=closed`). */
export class SharedStateUnavailable extends Error {}
