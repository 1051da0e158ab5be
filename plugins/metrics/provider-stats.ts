import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from '../../src/canonical/nullable.ts'
import { createLatencyHistogram, roundMs, type LatencyHistogram } from './latency-histogram.ts'

/** Contract §6 `ProviderMetrics`. Averages and percentiles are null until there is a sample. */
export const ProviderMetricsSchema = Type.Object({
  provider: Type.String(),
  requestCount: Type.Integer(),
  successCount: Type.Integer(),
  errorCount: Type.Integer(),
  totalTokensIn: Type.Integer(),
  totalTokensOut: Type.Integer(),
  totalCachedTokensIn: Type.Integer(),
  totalCost: Type.Number(),
  avgLatencyMs: Nullable(Type.Number()),
  p50LatencyMs: Nullable(Type.Number()),
  p95LatencyMs: Nullable(Type.Number()),
  p99LatencyMs: Nullable(Type.Number()),
  avgTimeToFirstTokenMs: Nullable(Type.Number()),
  p50TimeToFirstTokenMs: Nullable(Type.Number()),
  p99TimeToFirstTokenMs: Nullable(Type.Number()),
  lastUsed: Nullable(Type.String({ description: 'ISO-8601' })),
  errorRate: Type.Number({ description: 'percent of attempts that failed, 0–100' })
})
export type ProviderMetrics = Static<typeof ProviderMetricsSchema>

export const ModelCostSchema = Type.Object({
  model: Type.String(),
  requests: Type.Integer(),
  tokensIn: Type.Integer(),
  tokensOut: Type.Integer(),
  cost: Type.Number()
})
export type ModelCost = Static<typeof ModelCostSchema>

export const ProviderCostsSchema = Type.Object({
  provider: Type.String(),
  totalCost: Type.Number(),
  tokensIn: Type.Integer(),
  tokensOut: Type.Integer(),
  models: Type.Array(ModelCostSchema)
})
export type ProviderCosts = Static<typeof ProviderCostsSchema>

/** Models beyond this many per provider share one `other` row, so clients cannot grow memory with model names. */
export const MODELS_PER_PROVIDER = 200

export interface ProviderStats {
  /** One attempt. Positional, because it runs per attempt and an options object would be garbage. */
  add: (
    success: boolean,
    latencyMs: number,
    timeToFirstTokenMs: number | undefined,
    model: string,
    tokensIn: number,
    tokensOut: number,
    cachedTokensIn: number,
    cost: number,
    endedAtEpochMs: number
  ) => void
  metrics: () => ProviderMetrics
  costs: () => ProviderCosts
  reset: () => void
  /** Everything counted, as plain data: a worker's share of an instance's figures. */
  snapshot: () => StatsSnapshot
  /** Adds another process's snapshot, so that `metrics()` and `costs()` answer for both. */
  absorb: (snapshot: StatsSnapshot) => void
}

export interface StatsSnapshot {
  requestCount: number
  successCount: number
  tokensIn: number
  tokensOut: number
  cachedTokensIn: number
  cost: number
  latencySumMs: number
  ttftSumMs: number
  lastUsed: number | null
  latency: Array<[number, number]>
  ttft: Array<[number, number]>
  models: ModelCost[]
}

export function createProviderStats (provider: string): ProviderStats {
  let requestCount = 0
  let successCount = 0
  let tokensIn = 0
  let tokensOut = 0
  let cachedTokensIn = 0
  let cost = 0
  let latencySumMs = 0
  let ttftSumMs = 0
  let lastUsed: number | undefined
  const latency: LatencyHistogram = createLatencyHistogram()
  const ttft: LatencyHistogram = createLatencyHistogram()
  const models = new Map<string, ModelCost>()

  return {
    add (success, latencyMs, timeToFirstTokenMs, model, attemptTokensIn, attemptTokensOut, attemptCachedTokensIn, attemptCost, endedAtEpochMs) {
      requestCount++
      if (success) successCount++
      tokensIn += attemptTokensIn
      tokensOut += attemptTokensOut
      cachedTokensIn += attemptCachedTokensIn
      cost += attemptCost
      latencySumMs += latencyMs
      latency.record(latencyMs)
      if (timeToFirstTokenMs !== undefined) {
        ttftSumMs += timeToFirstTokenMs
        ttft.record(timeToFirstTokenMs)
      }
      lastUsed = endedAtEpochMs
      let row = models.get(model)
      if (row === undefined) {
        const key = models.size < MODELS_PER_PROVIDER ? model : 'other'
        row = models.get(key) ?? { model: key, requests: 0, tokensIn: 0, tokensOut: 0, cost: 0 }
        models.set(key, row)
      }
      row.requests++
      row.tokensIn += attemptTokensIn
      row.tokensOut += attemptTokensOut
      row.cost += attemptCost
    },
    metrics: () => ({
      provider,
      requestCount,
      successCount,
      errorCount: requestCount - successCount,
      totalTokensIn: tokensIn,
      totalTokensOut: tokensOut,
      totalCachedTokensIn: cachedTokensIn,
      totalCost: cost,
      avgLatencyMs: requestCount === 0 ? null : roundMs(latencySumMs / requestCount),
      p50LatencyMs: latency.percentile(50),
      p95LatencyMs: latency.percentile(95),
      p99LatencyMs: latency.percentile(99),
      avgTimeToFirstTokenMs: ttft.count === 0 ? null : roundMs(ttftSumMs / ttft.count),
      p50TimeToFirstTokenMs: ttft.percentile(50),
      p99TimeToFirstTokenMs: ttft.percentile(99),
      lastUsed: lastUsed === undefined ? null : new Date(lastUsed).toISOString(),
      errorRate: requestCount === 0 ? 0 : ((requestCount - successCount) / requestCount) * 100
    }),
    costs: () => ({
      provider,
      totalCost: cost,
      tokensIn,
      tokensOut,
      models: [...models.values()].map((row) => ({ ...row })).sort((a, b) => b.cost - a.cost || a.model.localeCompare(b.model))
    }),
    snapshot: () => ({
      requestCount, successCount, tokensIn, tokensOut, cachedTokensIn, cost, latencySumMs, ttftSumMs,
      lastUsed: lastUsed ?? null,
      latency: latency.buckets(),
      ttft: ttft.buckets(),
      models: [...models.values()].map((row) => ({ ...row }))
    }),
    absorb (other) {
      requestCount += other.requestCount
      successCount += other.successCount
      tokensIn += other.tokensIn
      tokensOut += other.tokensOut
      cachedTokensIn += other.cachedTokensIn
      cost += other.cost
      latencySumMs += other.latencySumMs
      ttftSumMs += other.ttftSumMs
      if (other.lastUsed !== null) lastUsed = Math.max(lastUsed ?? 0, other.lastUsed)
      latency.absorb(other.latency)
      ttft.absorb(other.ttft)
      for (const row of other.models) {
        const key = models.has(row.model) || models.size < MODELS_PER_PROVIDER ? row.model : 'other'
        const mine = models.get(key) ?? { model: key, requests: 0, tokensIn: 0, tokensOut: 0, cost: 0 }
        mine.requests += row.requests
        mine.tokensIn += row.tokensIn
        mine.tokensOut += row.tokensOut
        mine.cost += row.cost
        models.set(key, mine)
      }
    },
    reset () {
      requestCount = successCount = tokensIn = tokensOut = cachedTokensIn = cost = latencySumMs = ttftSumMs = 0
      lastUsed = undefined
      latency.reset()
      ttft.reset()
      models.clear()
    }
  }
}
