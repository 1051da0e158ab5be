// What the gateway's feeds and APIs answer, as far as the dashboard reads them.

export interface LiveProvider {
  name: string
  displayName: string
  enabled: boolean
  mode: string
  circuit: string | null
  cooldownUntil: string | null
  requests: number
  requestsPerSecond: number
  errorRate: number
  p50LatencyMs: number | null
  p95LatencyMs: number | null
  p50TimeToFirstTokenMs: number | null
  today: { requests: number, errors: number, softFailures: number, cost: number } | null
}

export interface LiveSnapshot {
  at: string
  providers: LiveProvider[]
  lastRequest: { id: string, timestamp: string, provider: string, model: string, statusCode: number } | null
  storeError: string | null
}

export interface LogRow {
  id: string
  requestId: string
  timestamp: string
  provider: string
  model: string
  endpoint: string
  ingress: string
  stream: boolean
  tokensIn: number
  tokensOut: number
  cachedTokensIn: number
  reasoningTokens: number
  latencyMs: number
  timeToFirstTokenMs: number | null
  cost: number | null
  costSource: string
  success: boolean
  statusCode: number
  errorMessage: string | null
  errorKind: string | null
  attempts: string
  keyId: string | null
  experiment: string | null
  arm: string | null
}
