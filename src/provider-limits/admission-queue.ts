import { clientClosed, GatewayError } from '../canonical/errors.ts'
import type { ClientPresence } from '../call/client-presence.ts'
import type { Busy, Permit, ProviderLimiter } from './provider-limiter.ts'

export const PRIORITIES = ['high', 'normal', 'low'] as const
export type Priority = (typeof PRIORITIES)[number]

/** Who is waiting: requests are served round-robin across `key`s, higher priorities first. */
export interface Waiter {
  key: string
  priority: Priority
}

/** One plan attempt a waiting request could take, in the plan's order. */
export interface Candidate {
  readonly index: number
  readonly provider: string
  readonly model: string
  /** Requests in one lane compete for the same capacity (`ProviderLimiter.lane`). */
  readonly lane: string
  readonly tokens: () => number
  readonly limiter: ProviderLimiter
}

export interface Admitted {
  candidate: Candidate
  permit: Permit
  queuedMs: number
}

export type QueueOutcome = 'admitted' | 'queue_full' | 'queue_timeout' | 'wait_too_long' | 'client_left' | 'error'

export interface QueueOptions {
  maxWaitMs: number
  maxDepth: number
  /** Told of every request that came to the queue: how it left, after how long, by its first choice's provider. */
  onLeave?: (provider: string, outcome: QueueOutcome, waitedMs: number) => void
  now?: () => number
}

export interface AdmissionQueue {
  /** Requests waiting in a lane: a newcomer must not take capacity they wait for. */
  waiting: (lane: string) => number
  /** A newcomer's place behind those waiting in `lane`: at its limit until they are served. */
  behind: (lane: string, now: number) => Busy
  depth: () => number
  depthByProvider: () => Map<string, number>
  /**
   * Waits until one of `candidates` admits the request (tried in their order, when the queue's fair order comes to
   * it), or fails with a 429 whose `retry-after` says when capacity should be back: at once when the queue is full
   * or the wait would be longer than allowed, after `maxWaitMs` otherwise. A client that leaves is let go at once.
   */
  wait: (waiter: Waiter, candidates: readonly Candidate[], busy: readonly Busy[], client: ClientPresence) => Promise<Admitted>
  /** Capacity may have come back (a permit was given back): waiting requests try again, in order. */
  notify: () => void
  close: () => void
}

interface Entry {
  readonly waiter: Waiter
  readonly candidates: readonly Candidate[]
  readonly enqueuedAt: number
  freesAt: number
  done: boolean
  resolve: (admitted: Admitted) => void
  reject: (error: GatewayError) => void
  timer: NodeJS.Timeout | undefined
  stopWatching: () => void
}

// However soon capacity is expected, the queue does not ask again more often than this.
const MIN_RETRY_MS = 5

/**
 * A bounded, fair queue for requests whose every candidate is at its limit. Each priority has its own round-robin
 * across client keys: one busy key's requests take turns with everyone else's instead of going first because they
 * came first. When capacity may be back, requests try in that order; one whose provider and model another request
 * ahead of it just found full is not tried, so nobody overtakes a request waiting for the same thing.
 */
export function createAdmissionQueue (options: QueueOptions): AdmissionQueue {
  const now = options.now ?? Date.now
  // Per priority: each key's waiting requests in arrival order, and the order in which keys take turns.
  const classes = PRIORITIES.map(() => ({ byKey: new Map<string, Entry[]>(), turn: [] as string[] }))
  const perLane = new Map<string, number>()
  let size = 0
  let pumping = false
  let again = false
  let wakeAt = Infinity
  let wake: NodeJS.Timeout | undefined

  function count (entry: Entry, delta: number): void {
    size += delta
    for (const lane of new Set(entry.candidates.map((candidate) => candidate.lane))) {
      const next = (perLane.get(lane) ?? 0) + delta
      if (next === 0) perLane.delete(lane)
      else perLane.set(lane, next)
    }
  }

  function remove (entry: Entry): void {
    entry.done = true
    clearTimeout(entry.timer)
    entry.stopWatching()
    const queue = classes[PRIORITIES.indexOf(entry.waiter.priority)] as (typeof classes)[number]
    const own = queue.byKey.get(entry.waiter.key)
    if (own !== undefined) {
      const at = own.indexOf(entry)
      if (at !== -1) own.splice(at, 1)
      if (own.length === 0) {
        queue.byKey.delete(entry.waiter.key)
        queue.turn.splice(queue.turn.indexOf(entry.waiter.key), 1)
      }
    }
    count(entry, -1)
  }

  /** A served key goes to the back of its priority's turn. */
  function served (entry: Entry): void {
    const queue = classes[PRIORITIES.indexOf(entry.waiter.priority)] as (typeof classes)[number]
    const at = queue.turn.indexOf(entry.waiter.key)
    if (at !== -1) queue.turn.push(...queue.turn.splice(at, 1))
  }

  /** Everyone waiting, in the order they are to be served: by priority, then keys in turn, one request each. */
  function fairOrder (): Entry[] {
    const order: Entry[] = []
    for (const { byKey, turn } of classes) {
      for (let round = 0; ; round++) {
        let any = false
        for (const key of turn) {
          const entry = byKey.get(key)?.[round]
          if (entry !== undefined) {
            order.push(entry)
            any = true
          }
        }
        if (!any) break
      }
    }
    return order
  }

  const leave = (entry: Entry, outcome: QueueOutcome): void => {
    options.onLeave?.(entry.candidates[0]?.provider ?? 'none', outcome, now() - entry.enqueuedAt)
  }

  function schedule (at: number): void {
    if (at >= wakeAt || size === 0) return
    clearTimeout(wake)
    wakeAt = at
    wake = setTimeout(() => {
      wakeAt = Infinity
      notify()
    }, Math.max(MIN_RETRY_MS, at - now()))
  }

  async function pump (): Promise<void> {
    const full = new Map<string, number>()
    for (const entry of fairOrder()) {
      if (entry.done) continue
      let freesAt = Infinity
      for (const candidate of entry.candidates) {
        const id = candidate.lane
        const known = full.get(id)
        if (known !== undefined) {
          freesAt = Math.min(freesAt, known)
          continue
        }
        let taken: Permit | Busy
        try {
          const result = candidate.limiter.take(candidate.model, candidate.tokens, now())
          taken = result instanceof Promise ? await result : result
        } catch (error) {
          if (entry.done) break
          remove(entry)
          leave(entry, 'error')
          entry.reject(error instanceof GatewayError ? error : new GatewayError('internal', 500, 'internal error', { cause: error }))
          break
        }
        if (entry.done) {
          // The client left, or its wait ran out, while this take was on its way: give the slot back.
          if (!taken.busy) taken.release(0)
          break
        }
        if (taken.busy) {
          full.set(id, taken.freesAt)
          freesAt = Math.min(freesAt, taken.freesAt)
          continue
        }
        served(entry)
        remove(entry)
        const queuedMs = now() - entry.enqueuedAt
        leave(entry, 'admitted')
        entry.resolve({ candidate, permit: taken, queuedMs })
        break
      }
      if (!entry.done) {
        entry.freesAt = freesAt
        schedule(freesAt)
      }
    }
  }

  function notify (): void {
    if (size === 0) return
    if (pumping) {
      again = true
      return
    }
    pumping = true
    void (async () => {
      do {
        again = false
        await pump()
      } while (again && size > 0)
      pumping = false
    })()
  }

  function refusal (code: string, message: string, freesAt: number): GatewayError {
    const waitMs = Math.max(1, Math.round(freesAt - now()))
    return new GatewayError('rate_limited', 429, message, { code, retryAfterMs: waitMs })
  }

  return {
    waiting: (lane) => perLane.get(lane) ?? 0,
    behind (lane, at) {
      let freesAt = Infinity
      for (const { byKey } of classes) {
        for (const entries of byKey.values()) {
          for (const entry of entries) if (entry.candidates.some((candidate) => candidate.lane === lane)) freesAt = Math.min(freesAt, entry.freesAt)
        }
      }
      return { busy: true, reason: 'queued', freesAt: freesAt === Infinity ? at + MIN_RETRY_MS : Math.max(freesAt, at + MIN_RETRY_MS) }
    },
    depth: () => size,
    depthByProvider: () => {
      const depths = new Map<string, number>()
      for (const entry of fairOrder()) {
        const provider = entry.candidates[0]?.provider ?? 'none'
        depths.set(provider, (depths.get(provider) ?? 0) + 1)
      }
      return depths
    },
    async wait (waiter, candidates, busy, client) {
      // A client already gone would never be told to leave: it must not hold a place until its wait runs out.
      if (client.endedBy !== undefined) throw client.endedBy
      if (client.gone) throw clientClosed()
      const at = now()
      const first = candidates[0]?.provider ?? 'none'
      const freesAt = Math.min(...busy.map((entry) => entry.freesAt))
      const names = [...new Set(candidates.map((candidate) => candidate.provider))].join(', ')
      if (size >= options.maxDepth) {
        options.onLeave?.(first, 'queue_full', 0)
        throw refusal('queue_full', `Every provider for this request is at its rate limit (${names}) and the queue is full (${options.maxDepth} waiting); retry after ${Math.ceil((freesAt - at) / 1000)} s.`, freesAt)
      }
      if (freesAt - at > options.maxWaitMs) {
        options.onLeave?.(first, 'wait_too_long', 0)
        throw refusal('rate_limit_exceeded', `Every provider for this request is at its rate limit (${names}) until ${new Date(freesAt).toISOString()}, longer than the queue waits (${options.maxWaitMs} ms).`, freesAt)
      }
      return await new Promise<Admitted>((resolve, reject) => {
        const entry: Entry = { waiter, candidates, enqueuedAt: at, freesAt, done: false, resolve, reject, timer: undefined, stopWatching: noop }
        const queue = classes[PRIORITIES.indexOf(waiter.priority)] as (typeof classes)[number]
        const own = queue.byKey.get(waiter.key)
        if (own === undefined) {
          queue.byKey.set(waiter.key, [entry])
          queue.turn.push(waiter.key)
        } else {
          own.push(entry)
        }
        count(entry, 1)
        entry.timer = setTimeout(() => {
          if (entry.done) return
          remove(entry)
          leave(entry, 'queue_timeout')
          const next = Math.max(entry.freesAt, now() + 1)
          reject(refusal('queue_timeout', `Every provider for this request stayed at its rate limit (${names}) for the ${options.maxWaitMs} ms the queue waits; retry after ${Math.ceil((next - now()) / 1000)} s.`, next))
        }, options.maxWaitMs)
        entry.stopWatching = client.onGone((reason) => {
          if (entry.done) return
          remove(entry)
          leave(entry, 'client_left')
          reject(reason)
        })
        schedule(freesAt)
      })
    },
    notify,
    close () {
      clearTimeout(wake)
    }
  }
}

const noop = (): void => {}
