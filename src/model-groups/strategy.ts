import type { Strategy } from './group-file.ts'
import type { MemberStats } from './member-stats.ts'

export interface StrategyMember {
  weight: number
  stats: MemberStats
  /** USD per 1M tokens, when the member's model has a price. */
  price: { input: number, output: number } | undefined
}

/** A request's estimated size, for the `cost` strategy. */
export interface TokenEstimate { prompt: number, output: number }

export interface Chooser {
  /** Member indices in the order to try them: the chosen one first, the rest as fallbacks. */
  order: (estimate: () => TokenEstimate, now: number) => number[]
}

// The share of `latency` picks made at random, so that a member that was slow is tried again and can win back
// its traffic once it recovers.
const EXPLORE = 0.05

/**
 * A group's strategy (docs/routing.md, Model groups). Every strategy puts a member whose soft failures opened its
 * circuit last; hard failures and cooldowns are the router's own skip, as for any plan.
 */
export function createChooser (strategy: Strategy, members: readonly StrategyMember[], random: () => number = Math.random): Chooser {
  const indices = members.map((_, index) => index)
  const softOpen = (index: number, now: number): boolean => (members[index] as StrategyMember).stats.softOpenUntil > now
  /** `ranked`, with soft-open members moved to the end. */
  const healthyFirst = (ranked: number[], now: number): number[] => {
    const open = ranked.filter((index) => softOpen(index, now))
    return open.length === 0 ? ranked : [...ranked.filter((index) => !softOpen(index, now)), ...open]
  }
  const stats = (index: number): MemberStats => (members[index] as StrategyMember).stats
  /** 1 for a member whose answers are all good, down to 0.05 as its soft failures near half. */
  const quality = (index: number): number => Math.max(0.05, 1 - 2 * stats(index).softFailureRate)

  switch (strategy) {
    case 'ordered':
      return { order: (_estimate, now) => healthyFirst(indices, now) }
    case 'weighted': {
      // Smooth weighted round-robin over weights scaled down by each member's soft-failure rate: at 30 % soft
      // failures a member keeps 40 % of its weight, and near half it is all but out before its soft circuit opens.
      const current = new Float64Array(members.length)
      return {
        order (_estimate, now) {
          let total = 0
          let best = -1
          for (const index of indices) {
            if (softOpen(index, now)) continue
            const weight = (members[index] as StrategyMember).weight * quality(index)
            total += weight
            current[index] = (current[index] as number) + weight
            if (best === -1 || (current[index] as number) > (current[best] as number)) best = index
          }
          if (best === -1) return healthyFirst(indices, now)
          current[best] = (current[best] as number) - total
          return healthyFirst([best, ...indices.filter((index) => index !== best).sort((a, b) => (members[b] as StrategyMember).weight - (members[a] as StrategyMember).weight)], now)
        }
      }
    }
    case 'latency': {
      // Power of two choices on peak-EWMA × (requests in flight + 1), divided by the share of its answers that are
      // any good (as `weighted` scales its weight): cheap, and it does not herd onto one member.
      const score = (index: number, now: number): number => stats(index).latencyMs(now) * (stats(index).inFlight + 1) / quality(index)
      return {
        order (_estimate, now) {
          const open = indices.filter((index) => !softOpen(index, now))
          const pool = open.length === 0 ? indices : open
          let chosen = pool[0] as number
          if (pool.length > 1) {
            const first = pool[Math.floor(random() * pool.length)] as number
            if (random() < EXPLORE) {
              chosen = first
            } else {
              let second = pool[Math.floor(random() * (pool.length - 1))] as number
              if (second === first) second = pool[pool.length - 1] as number
              chosen = score(first, now) <= score(second, now) ? first : second
            }
          }
          return healthyFirst([chosen, ...indices.filter((index) => index !== chosen).sort((a, b) => score(a, now) - score(b, now))], now)
        }
      }
    }
    case 'cost':
      return {
        order (estimate, now) {
          const { prompt, output } = estimate()
          const cost = (index: number): number => {
            const price = (members[index] as StrategyMember).price
            return price === undefined ? Infinity : price.input * prompt + price.output * output
          }
          return healthyFirst([...indices].sort((a, b) => cost(a) - cost(b) || a - b), now)
        }
      }
    case 'least-busy': {
      let turn = 0
      return {
        order (_estimate, now) {
          // Ties go round in turn, so that idle members share the traffic.
          const offset = turn++ % members.length
          const rotated = [...indices.slice(offset), ...indices.slice(0, offset)]
          return healthyFirst(rotated.sort((a, b) => stats(a).inFlight - stats(b).inFlight), now)
        }
      }
    }
  }
}
