/**
 * Upper bounds of the rollups' latency and TTFT histogram buckets, in ms; the last bucket takes the rest.
 * Doubling from 25 ms: a percentile read from them is within a factor of two, enough for charts and windows.
 */
export const LATENCY_BOUNDS_MS = [25, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, Infinity] as const

export const BUCKETS = LATENCY_BOUNDS_MS.length

export function bucketOf (ms: number): number {
  let index = 0
  while (ms > (LATENCY_BOUNDS_MS[index] as number)) index++
  return index
}

/** The bucket bound at or above which lies the p-th percentile, or null without samples. */
export function percentileOf (counts: readonly number[], p: number): number | null {
  let total = 0
  for (const count of counts) total += count
  if (total === 0) return null
  const rank = Math.ceil((p / 100) * total)
  let seen = 0
  for (let index = 0; index < counts.length; index++) {
    seen += counts[index] as number
    if (seen >= rank) {
      const bound = LATENCY_BOUNDS_MS[index] as number
      // The open top bucket has no bound: report the last finite one.
      return Number.isFinite(bound) ? bound : LATENCY_BOUNDS_MS[BUCKETS - 2] as number
    }
  }
  return null
}
