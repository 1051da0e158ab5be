import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { CircuitState, HealthSnapshot } from '../routing/index.ts'

export interface PrometheusSeries {
  registry: Registry
  request: (labels: { endpoint: string, provider: string, model: string, status: number, stream: boolean }, seconds: number) => void
  attempt: (provider: string, outcome: AttemptOutcomeLabel, status: number) => void
  timeToFirstToken: (provider: string, seconds: number) => void
  tokens: (provider: string, model: string, input: number, output: number, cachedInput: number) => void
  cost: (provider: string, model: string, usd: number) => void
}

export type AttemptOutcomeLabel = 'success' | 'error' | 'rate_limited'

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'half-open', 'open']

/**
 * The §6 series, on a registry of this app's own (tests run several apps in one process). Labels are bounded:
 * providers are the installed ones, models are catalog ids or `other`, statuses are HTTP codes.
 */
export function createPrometheusSeries (providers: () => readonly string[], healthOf: (provider: string) => HealthSnapshot | undefined): PrometheusSeries {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const requests = new Counter({
    name: 'switchyard_requests_total',
    help: 'Client requests by endpoint, provider that answered (or last tried, or "none"), model, status and streaming',
    labelNames: ['endpoint', 'provider', 'model', 'status', 'stream'] as const,
    registers
  })
  const duration = new Histogram({
    name: 'switchyard_request_duration_seconds',
    help: 'Client request latency, to the end of the response (the whole stream for streams)',
    labelNames: ['endpoint', 'provider', 'stream'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers
  })
  const ttft = new Histogram({
    name: 'switchyard_time_to_first_token_seconds',
    help: 'Streams: time from the start of the answering attempt to its first chunk',
    labelNames: ['provider'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers
  })
  const attempts = new Counter({
    name: 'switchyard_provider_attempts_total',
    help: 'Provider attempts by outcome (success, error, rate_limited) and status',
    labelNames: ['provider', 'outcome', 'status'] as const,
    registers
  })
  const tokens = new Counter({
    name: 'switchyard_tokens_total',
    help: 'Tokens by provider, model and kind (input includes cached_input)',
    labelNames: ['provider', 'model', 'kind'] as const,
    registers
  })
  const cost = new Counter({
    name: 'switchyard_cost_usd_total',
    help: 'Cost in USD by provider and model, from the price tables',
    labelNames: ['provider', 'model'] as const,
    registers
  })
  // Read at scrape time, so the hot path pays nothing for them.
  const circuit = new Gauge({
    name: 'switchyard_circuit_state',
    help: 'Circuit breaker state per provider: 1 for the current state, 0 for the others',
    labelNames: ['provider', 'state'] as const,
    registers,
    collect () {
      for (const provider of providers()) {
        const state = healthOf(provider)?.circuit
        if (state === undefined) continue
        for (const candidate of CIRCUIT_STATES) circuit.set({ provider, state: candidate }, candidate === state ? 1 : 0)
      }
    }
  })
  const cooling = new Gauge({
    name: 'switchyard_provider_cooldown',
    help: '1 while a provider is skipped after a 429, else 0',
    labelNames: ['provider'] as const,
    registers,
    collect () {
      for (const provider of providers()) {
        const health = healthOf(provider)
        if (health !== undefined) cooling.set({ provider }, health.cooldownUntil === undefined ? 0 : 1)
      }
    }
  })

  return {
    registry,
    request (labels, seconds) {
      const stream = String(labels.stream)
      requests.inc({ endpoint: labels.endpoint, provider: labels.provider, model: labels.model, status: String(labels.status), stream })
      duration.observe({ endpoint: labels.endpoint, provider: labels.provider, stream }, seconds)
    },
    attempt (provider, outcome, status) {
      attempts.inc({ provider, outcome, status: String(status) })
    },
    timeToFirstToken (provider, seconds) {
      ttft.observe({ provider }, seconds)
    },
    tokens (provider, model, input, output, cachedInput) {
      if (input > 0) tokens.inc({ provider, model, kind: 'input' }, input)
      if (output > 0) tokens.inc({ provider, model, kind: 'output' }, output)
      if (cachedInput > 0) tokens.inc({ provider, model, kind: 'cached_input' }, cachedInput)
    },
    cost (provider, model, usd) {
      if (usd > 0) cost.inc({ provider, model }, usd)
    }
  }
}
