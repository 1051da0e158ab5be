/**
 * Smooth weighted round-robin (the nginx algorithm): deterministic, and it spreads picks evenly instead of in
 * runs — weights 9 and 1 give exactly 9 and 1 in every 10 picks, with the 1 in the middle of the cycle.
 * A weight of 0 is never picked while any other member has weight.
 */
export interface WeightedRotation {
  /** Index of the next member. */
  next: () => number
}

export function createWeightedRotation (weights: readonly number[]): WeightedRotation {
  if (weights.length === 0) throw new Error('a weighted rotation needs at least one member')
  const total = weights.reduce((sum, weight) => sum + weight, 0)
  if (total === 0) {
    let turn = 0
    return { next: () => (turn++ % weights.length) }
  }
  const current = new Float64Array(weights.length)
  return {
    next () {
      let best = 0
      for (let index = 0; index < weights.length; index++) {
        current[index] = (current[index] ?? 0) + (weights[index] ?? 0)
        if ((current[index] ?? 0) > (current[best] ?? 0)) best = index
      }
      current[best] = (current[best] ?? 0) - total
      return best
    }
  }
}
