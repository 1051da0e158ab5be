import { BUCKETS, bucketOf } from './latency-buckets.ts'
import type { ArmSums, StoredRequest } from './store.ts'

export function emptyArmSums (arm: string, provider: string, model: string): ArmSums {
  return {
    arm,
    provider,
    model,
    requests: 0,
    errors: 0,
    softFailures: 0,
    tokensIn: 0,
    tokensOut: 0,
    latencySum: 0,
    latencySquares: 0,
    ttftCount: 0,
    ttftSum: 0,
    ttftSquares: 0,
    costSum: 0,
    costSquares: 0,
    latencyBuckets: new Array<number>(BUCKETS).fill(0),
    ttftBuckets: new Array<number>(BUCKETS).fill(0)
  }
}

/** Adds one request to its arm's sums (the memory store keeps them as it goes). */
export function addToArmSums (sums: ArmSums, request: StoredRequest): void {
  sums.requests++
  if (!request.success) sums.errors++
  if (request.softFailure !== null) sums.softFailures++
  sums.tokensIn += request.tokensIn
  sums.tokensOut += request.tokensOut
  sums.latencySum += request.latencyMs
  sums.latencySquares += request.latencyMs * request.latencyMs
  sums.costSum += request.cost
  sums.costSquares += request.cost * request.cost
  ;(sums.latencyBuckets[bucketOf(request.latencyMs)] as number)++
  const ttft = request.timeToFirstTokenMs
  if (ttft !== null) {
    sums.ttftCount++
    sums.ttftSum += ttft
    sums.ttftSquares += ttft * ttft
    ;(sums.ttftBuckets[bucketOf(ttft)] as number)++
  }
}
