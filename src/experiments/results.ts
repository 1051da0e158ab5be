import type { ArmSums } from '../store/store.ts'
import { percentileOf } from '../store/latency-buckets.ts'
import type { Experiment } from './experiment-file.ts'

/** A difference from the control arm (the first declared) with its 95 % confidence interval. */
export interface Difference {
  difference: number
  low: number
  high: number
  /** The interval leaves out zero: the arms differ by more than noise would explain, at 95 %. */
  significant: boolean
}

export interface ArmResult {
  arm: string
  model: string
  weight: number
  requests: number
  /** Requests the arm's provider answered; the others failed, or failed over to the rest of the plan (and count in this arm still). */
  answeredByArm: number
  errorRate: number | null
  softFailureRate: number | null
  latencyMs: { mean: number | null, p50: number | null, p95: number | null }
  timeToFirstTokenMs: { mean: number | null, p50: number | null, p95: number | null }
  tokensIn: number
  tokensOut: number
  costPerRequest: number | null
  /** Against the control arm; absent on the control itself. */
  vsControl?: {
    errorRate: Difference | null
    softFailureRate: Difference | null
    latencyMs: Difference | null
    timeToFirstTokenMs: Difference | null
    costPerRequest: Difference | null
  }
}

// Two-sided 95 %.
const Z = 1.959964

/**
 * An experiment's results per arm from the store's sums. Rates are compared as two proportions (Wald interval),
 * means by Welch's normal approximation from sums and sums of squares; percentiles are read from the rollups'
 * histogram buckets (within a factor of two) and carry no interval.
 */
export function experimentResults (experiment: Experiment, sums: readonly ArmSums[]): ArmResult[] {
  const arms = experiment.arms.map((arm) => {
    const provider = arm.model.slice(0, arm.model.indexOf(':'))
    const own = sums.filter((sum) => sum.arm === arm.name)
    const total = own.reduce((folded, sum) => addSums(folded, sum), zeroSums(arm.name))
    // By provider: a row names the model as it was sent upstream, after the provider's model map.
    const answeredByArm = own.filter((sum) => sum.provider === provider && sum.requests > sum.errors)
      .reduce((count, sum) => count + sum.requests - sum.errors, 0)
    return { arm, total, answeredByArm }
  })
  const control = arms[0]?.total
  return arms.map(({ arm, total, answeredByArm }, index) => {
    const result: ArmResult = {
      arm: arm.name,
      model: arm.model,
      weight: arm.weight,
      requests: total.requests,
      answeredByArm,
      errorRate: rate(total.errors, total.requests),
      softFailureRate: rate(total.softFailures, total.requests),
      latencyMs: { mean: mean(total.latencySum, total.requests), p50: percentileOf(total.latencyBuckets, 50), p95: percentileOf(total.latencyBuckets, 95) },
      timeToFirstTokenMs: { mean: mean(total.ttftSum, total.ttftCount), p50: percentileOf(total.ttftBuckets, 50), p95: percentileOf(total.ttftBuckets, 95) },
      tokensIn: total.tokensIn,
      tokensOut: total.tokensOut,
      costPerRequest: mean(total.costSum, total.requests)
    }
    if (index > 0 && control !== undefined) {
      result.vsControl = {
        errorRate: proportionDifference(total.errors, total.requests, control.errors, control.requests),
        softFailureRate: proportionDifference(total.softFailures, total.requests, control.softFailures, control.requests),
        latencyMs: meanDifference(
          { n: total.requests, sum: total.latencySum, squares: total.latencySquares },
          { n: control.requests, sum: control.latencySum, squares: control.latencySquares }),
        timeToFirstTokenMs: meanDifference(
          { n: total.ttftCount, sum: total.ttftSum, squares: total.ttftSquares },
          { n: control.ttftCount, sum: control.ttftSum, squares: control.ttftSquares }),
        costPerRequest: meanDifference(
          { n: total.requests, sum: total.costSum, squares: total.costSquares },
          { n: control.requests, sum: control.costSum, squares: control.costSquares })
      }
    }
    return result
  })
}

function zeroSums (arm: string): ArmSums {
  return {
    arm, provider: '', model: '', requests: 0, errors: 0, softFailures: 0, tokensIn: 0, tokensOut: 0, latencySum: 0, latencySquares: 0,
    ttftCount: 0, ttftSum: 0, ttftSquares: 0, costSum: 0, costSquares: 0, latencyBuckets: [], ttftBuckets: []
  }
}

function addSums (into: ArmSums, sum: ArmSums): ArmSums {
  const add = (a: number[], b: number[]): number[] => b.map((value, index) => value + (a[index] ?? 0))
  return {
    ...into,
    requests: into.requests + sum.requests,
    errors: into.errors + sum.errors,
    softFailures: into.softFailures + sum.softFailures,
    tokensIn: into.tokensIn + sum.tokensIn,
    tokensOut: into.tokensOut + sum.tokensOut,
    latencySum: into.latencySum + sum.latencySum,
    latencySquares: into.latencySquares + sum.latencySquares,
    ttftCount: into.ttftCount + sum.ttftCount,
    ttftSum: into.ttftSum + sum.ttftSum,
    ttftSquares: into.ttftSquares + sum.ttftSquares,
    costSum: into.costSum + sum.costSum,
    costSquares: into.costSquares + sum.costSquares,
    latencyBuckets: add(into.latencyBuckets, sum.latencyBuckets),
    ttftBuckets: add(into.ttftBuckets, sum.ttftBuckets)
  }
}

const rate = (count: number, total: number): number | null => total === 0 ? null : count / total
const mean = (sum: number, count: number): number | null => count === 0 ? null : sum / count

function interval (difference: number, standardError: number): Difference {
  const low = difference - Z * standardError
  const high = difference + Z * standardError
  return { difference, low, high, significant: low > 0 || high < 0 }
}

/** This arm's rate minus the control's. */
export function proportionDifference (count: number, total: number, controlCount: number, controlTotal: number): Difference | null {
  if (total === 0 || controlTotal === 0) return null
  const p = count / total
  const q = controlCount / controlTotal
  return interval(p - q, Math.sqrt(p * (1 - p) / total + q * (1 - q) / controlTotal))
}

interface Moments { n: number, sum: number, squares: number }

/** This arm's mean minus the control's; each needs two samples for a variance. */
export function meanDifference (arm: Moments, control: Moments): Difference | null {
  if (arm.n < 2 || control.n < 2) return null
  const variance = ({ n, sum, squares }: Moments): number => Math.max(0, (squares - sum * sum / n) / (n - 1))
  return interval(arm.sum / arm.n - control.sum / control.n, Math.sqrt(variance(arm) / arm.n + variance(control) / control.n))
}
