/** One counter of a `takeAll`: add `amount` if the counter stays within `limit` (amount 0: only check it). */
export interface TakeStep {
  key: string
  amount: number
  limit: number
  /**
   * Time to live from the counter's first write. Negative: a held counter (requests in flight), whose time to live
   * (`-ttlMs`) starts again at every write and which never goes below zero, so that a count given back after the
   * counter expired cannot leave it owing.
   */
  ttlMs: number
}

/**
 * After `takeAll`: either every step was added (`counts` after the call), or none was, and `refused` is the index
 * of the first step that would have gone over its limit, with `counts[refused]` its count.
 */
export interface Taken {
  allowed: boolean
  refused: number
  counts: number[]
}

/**
 * Counters that every process serving one gateway sees alike: per-key rate-limit windows and budget ledgers.
 * Amounts are integers (budgets count nano-USD), so that Redis adds them exactly and atomically. Each counter
 * expires `ttlMs` after it was first written: a window or budget period names its counter, and the counter goes
 * with it.
 */
export interface SharedState {
  readonly kind: 'memory' | 'redis'
  /**
   * Adds to every counter, only if each stays within its limit: one atomic step (one round trip), so concurrent
   * callers never overshoot and a refusal leaves nothing to give back.
   */
  takeAll: (steps: readonly TakeStep[]) => Promise<Taken>
  /**
   * Adds `amount` (which may be negative: a settled reservation gives back what was not used). Resolves once sent
   * where the counter lives; nothing waits on its result, so a worker does not wait for its primary's answer.
   */
  add: (key: string, amount: number, ttlMs: number) => Promise<void>
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
