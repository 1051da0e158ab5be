import type { SharedState } from './shared-state.ts'

interface Counter { value: number, expiresAt: number }

const SWEEP_EVERY_MS = 60_000

/** The shared state of one process: what a gateway without REDIS_URL, or one whose Redis is away, counts with. */
export function createMemoryState (now: () => number = Date.now): SharedState {
  const counters = new Map<string, Counter>()

  function live (key: string, at: number): Counter | undefined {
    const counter = counters.get(key)
    if (counter !== undefined && counter.expiresAt <= at) {
      counters.delete(key)
      return undefined
    }
    return counter
  }

  function upsert (key: string, amount: number, ttlMs: number): number {
    const at = now()
    const held = ttlMs < 0
    const counter = live(key, at)
    if (counter === undefined) {
      const value = held ? Math.max(0, amount) : amount
      counters.set(key, { value, expiresAt: at + Math.abs(ttlMs) })
      return value
    }
    counter.value += amount
    if (held) {
      counter.value = Math.max(0, counter.value)
      counter.expiresAt = at - ttlMs
    }
    return counter.value
  }

  const sweeper = setInterval(() => {
    const at = now()
    for (const [key, counter] of counters) if (counter.expiresAt <= at) counters.delete(key)
  }, SWEEP_EVERY_MS)
  sweeper.unref()

  return {
    kind: 'memory',
    async takeAll (steps) {
      const at = now()
      const counts = steps.map((step) => live(step.key, at)?.value ?? 0)
      const refused = steps.findIndex((step, index) => (counts[index] as number) + step.amount > step.limit)
      if (refused !== -1) return { allowed: false, refused, counts }
      return { allowed: true, refused: -1, counts: steps.map((step, index) => step.amount === 0 ? counts[index] as number : upsert(step.key, step.amount, step.ttlMs)) }
    },
    async add (key, amount, ttlMs) { upsert(key, amount, ttlMs) },
    async read (keys) {
      const at = now()
      return keys.map((key) => live(key, at)?.value ?? 0)
    },
    // One process: nobody else to tell.
    publish () {},
    subscribe () {},
    async close () { clearInterval(sweeper) }
  }
}
