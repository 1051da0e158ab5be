import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { StoreCounters } from '../../src/store/store.ts'
import { CounterFamily, HistogramFamily } from './families.ts'
import type { CircuitState, HealthSnapshot } from '../routing/index.ts'

export interface PrometheusSeries {
  registry: Registry
  request: (endpoint: string, provider: string, model: string, status: number, stream: boolean, seconds: number) => void
  attempt: (provider: string, outcome: AttemptOutcomeLabel, status: number) => void
  timeToFirstToken: (provider: string, seconds: number) => void
  tokens: (provider: string, model: string, input: number, output: number, cachedInput: number) => void
  cost: (provider: string, model: string, usd: number) => void
  softFailure: (provider: string, model: string, kind: string) => void
}

export type AttemptOutcomeLabel = 'success' | 'error' | 'rate_limited'

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'half-open', 'open']

/**
 * The §6 series, on a registry of this app's own (tests run several apps in one process). Labels are bounded:
 * providers are the installed ones, models are catalog ids or `other`, statuses are HTTP codes.
 */
export function createPrometheusSeries (
  providers: () => readonly string[],
  healthOf: (provider: string) => HealthSnapshot | undefined,
  store: () => StoreCounters
): PrometheusSeries {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const requests = new CounterFamily('switchyard_requests_total',
    'Client requests by endpoint, provider that answered (or last tried, or "none"), model, status and streaming',
    ['endpoint', 'provider', 'model', 'status', 'stream'], registry)
  const duration = new HistogramFamily('switchyard_request_duration_seconds',
    'Client request latency, to the end of the response (the whole stream for streams)',
    ['endpoint', 'provider', 'stream'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registry)
  const ttft = new HistogramFamily('switchyard_time_to_first_token_seconds',
    'Streams: time from the start of the answering attempt to its first chunk',
    ['provider'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registry)
  const attempts = new CounterFamily('switchyard_provider_attempts_total',
    'Provider attempts by outcome (success, error, rate_limited) and status', ['provider', 'outcome', 'status'], registry)
  const tokens = new CounterFamily('switchyard_tokens_total',
    'Tokens by provider, model and kind (input includes cached_input)', ['provider', 'model', 'kind'], registry)
  const cost = new CounterFamily('switchyard_cost_usd_total',
    'Cost in USD by provider and model, from the price tables', ['provider', 'model'], registry)
  const softFailures = new CounterFamily('switchyard_soft_failures_total',
    'Answers that were HTTP 200 and still no good, by provider, model and kind (empty, bad_tool_json)', ['provider', 'model', 'kind'], registry)
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

  // The store's own counters, kept by its queue and read at scrape time.
  const storeRows = new Counter({
    name: 'switchyard_store_rows_total',
    help: 'Finished requests written to the store',
    registers,
    collect () { storeRows.reset(); storeRows.inc(store().written) }
  })
  const storeDropped = new Counter({
    name: 'switchyard_store_dropped_total',
    help: 'Finished requests dropped because the store\'s queue was full while the database was slow or away',
    registers,
    collect () { storeDropped.reset(); storeDropped.inc(store().dropped) }
  })
  const storeQueued = new Gauge({
    name: 'switchyard_store_queued_rows',
    help: 'Finished requests waiting for the next batch to the store',
    registers,
    collect () { storeQueued.set(store().queued) }
  })

  return {
    registry,
    request (endpoint, provider, model, status, stream, seconds) {
      const streamed = stream ? 'true' : 'false'
      requests.cell([endpoint, provider, model, String(status), streamed]).value++
      duration.cell([endpoint, provider, streamed]).observe(seconds)
    },
    attempt (provider, outcome, status) {
      attempts.cell([provider, outcome, String(status)]).value++
    },
    timeToFirstToken (provider, seconds) {
      ttft.cell([provider]).observe(seconds)
    },
    tokens (provider, model, input, output, cachedInput) {
      if (input > 0) tokens.cell([provider, model, 'input']).value += input
      if (output > 0) tokens.cell([provider, model, 'output']).value += output
      if (cachedInput > 0) tokens.cell([provider, model, 'cached_input']).value += cachedInput
    },
    cost (provider, model, usd) {
      if (usd > 0) cost.cell([provider, model]).value += usd
    },
    softFailure (provider, model, kind) {
      softFailures.cell([provider, model, kind]).value++
    }
  }
}
