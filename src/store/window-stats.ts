import { BUCKETS, percentileOf } from './latency-buckets.ts'
import type { WindowStats } from './store.ts'

/** A provider's window figures from its summed rollup columns. */
export function windowStats (provider: string, sum: Readonly<Record<string, number>>): WindowStats {
  const latency = Array.from({ length: BUCKETS }, (_, index) => sum[`lat_${index}`] ?? 0)
  const ttft = Array.from({ length: BUCKETS }, (_, index) => sum[`ttft_${index}`] ?? 0)
  const queueWait = Array.from({ length: BUCKETS }, (_, index) => sum[`qwait_${index}`] ?? 0)
  const requests = sum.requests ?? 0
  const ttftCount = sum.ttft_count ?? 0
  return {
    provider,
    requests,
    errors: sum.errors ?? 0,
    tokensIn: sum.tokens_in ?? 0,
    tokensOut: sum.tokens_out ?? 0,
    cost: sum.cost ?? 0,
    avgLatencyMs: requests === 0 ? null : (sum.latency_sum ?? 0) / requests,
    p50LatencyMs: percentileOf(latency, 50),
    p95LatencyMs: percentileOf(latency, 95),
    p99LatencyMs: percentileOf(latency, 99),
    avgTimeToFirstTokenMs: ttftCount === 0 ? null : (sum.ttft_sum ?? 0) / ttftCount,
    p50TimeToFirstTokenMs: percentileOf(ttft, 50),
    p95TimeToFirstTokenMs: percentileOf(ttft, 95),
    queued: sum.queued ?? 0,
    avgQueuedMs: (sum.queued ?? 0) === 0 ? null : (sum.queued_ms_sum ?? 0) / (sum.queued as number),
    p50QueuedMs: percentileOf(queueWait, 50),
    p95QueuedMs: percentileOf(queueWait, 95),
    queueRefused: { queueFull: sum.queue_full ?? 0, queueTimeout: sum.queue_timeout ?? 0, waitTooLong: sum.queue_wait_too_long ?? 0 },
    softFailures: sum.soft_failures ?? 0
  }
}
