import fp from 'fastify-plugin'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { RegisteredProvider } from '../provider-registry.ts'
import { randomBytes } from 'node:crypto'
import { answeringAttempt, formatAttempts, type AttemptRecord, type RequestRecord } from '../../src/observability/request-record.ts'
import { costOf, type ModelPrice } from '../../src/provider/pricing.ts'
import { classifyFailureStatus } from '../routing/failure-class.ts'
import { estimateUsage } from './estimate-usage.ts'
import { createProviderStats, type ProviderCosts, type ProviderMetrics, type ProviderStats, type StatsSnapshot } from './provider-stats.ts'
import { AggregatorRegistry } from 'prom-client'
import { createRequestLog, type LogFilter, type RequestLogEntry, type StoredLogEntry } from './request-log.ts'
import { createPrometheusSeries, type PrometheusSeries } from './prometheus.ts'
import type { WorkerLink } from '../../src/cluster/worker-link.ts'

export { ProviderMetricsSchema, ProviderCostsSchema } from './provider-stats.ts'
export { RequestLogSchema } from './request-log.ts'

export interface Metrics {
  /**
   * Attaches `record` to the request (`request.record`, where error handlers fill in the failure) and accounts
   * it once the response is over: finished, failed, or abandoned by the client (499).
   */
  observe: (request: FastifyRequest, reply: FastifyReply, record: RequestRecord) => void
  prometheus: () => PrometheusSeries
  /** Told of every observed request once it is over, with what it cost, even with METRICS=off (budgets settle on it). */
  onSettled: (listener: SettledListener) => void
  /**
   * The live figures (since start-up or the last reset) for the whole instance: this process's, or with WORKERS > 1 every worker's gathered through
   * the primary and merged (counts summed, latency histograms added bucket by bucket, logs interleaved by time).
   */
  instance: InstanceMetrics
}

export interface InstanceMetrics {
  providerMetrics: () => Promise<ProviderMetrics[]>
  logs: (filter: LogFilter) => Promise<RequestLogEntry[]>
  costs: () => Promise<ProviderCosts[]>
  reset: () => Promise<void>
  prometheusText: () => Promise<string>
}

export interface Settled {
  /** USD, at the answering model's price; 0 when unpriced or unanswered. */
  cost: number
  tokensIn: number
  tokensOut: number
}

export type SettledListener = (request: FastifyRequest, settled: Settled) => void

export interface MetricsOptions {
  logBufferSize: number
  /** `METRICS=off`: requests are not accounted (the benchmark measures what accounting costs). */
  enabled: boolean
  worker?: WorkerLink
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
  interface FastifyRequest {
    /** The request's record, for requests that reach a provider route; null elsewhere. */
    record: RequestRecord | null
  }
}

/**
 * Times, counts, prices and logs every request and every provider attempt. All work happens once per request,
 * after the response is over, in O(attempts): counters, two histogram writes and a ring-buffer slot.
 */
const metricsPlugin: FastifyPluginAsync<MetricsOptions> = async (app, options) => {
  const stats = new Map<string, ProviderStats>()
  const log = createRequestLog(options.logBufferSize)
  const unpricedWarned = new Set<string>()
  let providersByName = new Map<string, RegisteredProvider>()
  const series = createPrometheusSeries(
    () => [...providersByName.keys()],
    (provider) => app.router.health(provider),
    () => app.store.counters())

  app.decorateRequest('record', null)
  app.addHook('onReady', async () => {
    providersByName = new Map(app.providers.all().map((provider) => [provider.name, provider]))
    for (const provider of app.providers.all()) stats.set(provider.name, createProviderStats(provider.name))
  })

  function statsOf (provider: string): ProviderStats {
    let found = stats.get(provider)
    if (found === undefined) {
      found = createProviderStats(provider)
      stats.set(provider, found)
    }
    return found
  }

  /** Catalog ids label themselves; anything else is `other`, so clients cannot mint Prometheus series. */
  function modelLabel (provider: string, model: string): string {
    return providersByName.get(provider)?.catalog.find(model)?.id ?? 'other'
  }

  /** The model's price, or undefined with one warning per unpriced model. */
  function priceFor (provider: string, model: string): ModelPrice | undefined {
    const priced = providersByName.get(provider)?.prices.priceOf(model)
    if (priced === undefined) {
      const key = `${provider}:${model}`
      if (!unpricedWarned.has(key) && unpricedWarned.size < 1000) {
        unpricedWarned.add(key)
        app.log.warn({ provider, model }, 'no price known for this model: its requests are logged with cost null (costSource "unknown"); PRICING_FILE can price it')
      }
    }
    return priced
  }

  const settledListeners: SettledListener[] = []

  /** The request's usage (reported, else estimated from sizes when it was answered) and its cost. */
  function priceRequest (record: RequestRecord, success: boolean) {
    const answered = answeringAttempt(record)
    let usage = record.usage
    let usageSource: StoredLogEntry['usageSource'] = usage === undefined ? 'none' : 'provider'
    if (usage === undefined && answered !== undefined && (record.outputChars > 0 || success)) {
      usage = estimateUsage(record.promptChars(), record.outputChars)
      usageSource = 'estimated'
    }
    const tokensIn = usage?.prompt_tokens ?? 0
    const tokensOut = usage?.completion_tokens ?? 0
    const cachedTokensIn = usage?.prompt_tokens_details?.cached_tokens ?? 0
    const last: AttemptRecord | undefined = record.attempts[record.attempts.length - 1]
    const provider = last?.provider ?? record.queueRefused?.provider ?? 'none'
    const model = last?.model ?? record.queueRefused?.model ?? record.requestedModel
    const priced = last === undefined ? undefined : priceFor(provider, model)
    const cost = answered === undefined || usage === undefined || priced === undefined ? 0 : costOf(usage, priced.price)
    return { answered, usage, usageSource, tokensIn, tokensOut, cachedTokensIn, last, provider, model, priced, cost }
  }

  function settle (request: FastifyRequest, settled: Settled): void {
    for (const listener of settledListeners) listener(request, settled)
  }

  function account (request: FastifyRequest, record: RequestRecord, statusCode: number, abandoned: boolean): void {
    const endedAt = performance.now()
    const endedAtEpochMs = Date.now()
    const status = abandoned ? 499 : record.error?.status ?? statusCode
    const success = status < 400
    const { answered, usage, usageSource, tokensIn, tokensOut, cachedTokensIn, last, provider, model, priced, cost } = priceRequest(record, success)
    settle(request, { cost, tokensIn, tokensOut })
    if (answered !== undefined) {
      // The answering attempt lasts until the response is over, and carries the request's final outcome.
      answered.latencyMs = endedAt - answered.startedAt
      if (!success) {
        answered.status = status
        answered.success = false
      }
    }

    for (const attempt of record.attempts) {
      const isAnswer = attempt === answered
      statsOf(attempt.provider).add(
        attempt.success,
        attempt.latencyMs,
        isAnswer && record.firstChunkAt !== undefined ? record.firstChunkAt - attempt.startedAt : undefined,
        attempt.model,
        isAnswer ? tokensIn : 0,
        isAnswer ? tokensOut : 0,
        isAnswer ? cachedTokensIn : 0,
        isAnswer ? cost : 0,
        endedAtEpochMs)
      series.attempt(attempt.provider, attempt.success ? 'success' : classifyFailureStatus(attempt.status) === 'rate-limited' ? 'rate_limited' : 'error', attempt.status)
    }

    const latencyMs = endedAt - record.startedAt
    const label = last === undefined ? 'none' : modelLabel(provider, model)
    series.request(record.endpoint, provider, label, status, record.stream, latencyMs / 1000)
    if (answered !== undefined) {
      if (record.firstChunkAt !== undefined) series.timeToFirstToken(provider, (record.firstChunkAt - answered.startedAt) / 1000)
      series.tokens(provider, label, tokensIn, tokensOut, cachedTokensIn)
      series.cost(provider, label, cost)
      if (record.softFailure !== undefined) series.softFailure(provider, label, record.softFailure)
    }

    // The live log and the store row say the same of the request; these are worked out once for both.
    const timeToFirstTokenMs = record.firstChunkAt === undefined ? null : record.firstChunkAt - record.startedAt
    const costSource = priced?.source ?? 'unknown'
    const errorMessage = success ? undefined : abandoned ? 'client closed the connection before the response was complete' : record.error?.message ?? `status ${status}`

    log.push({
      id: request.id,
      timestampMs: record.startedAtEpochMs,
      provider,
      model,
      endpoint: record.endpoint,
      stream: record.stream,
      tokensIn,
      tokensOut,
      cachedTokensIn,
      latencyMs,
      timeToFirstTokenMs,
      cost: answered !== undefined && priced === undefined ? null : cost,
      costSource,
      usageSource,
      success,
      statusCode: status,
      errorMessage,
      attempts: record.attempts
    })

    app.store.append({
      id: rowId(record.startedAtEpochMs),
      requestId: request.id,
      timestampMs: record.startedAtEpochMs,
      provider,
      model,
      endpoint: record.endpoint,
      ingress: record.endpoint.startsWith('/v1/messages') ? 'anthropic' : 'openai',
      stream: record.stream,
      tokensIn,
      tokensOut,
      cachedTokensIn,
      reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
      latencyMs,
      timeToFirstTokenMs,
      cost,
      costSource,
      success,
      statusCode: status,
      errorMessage: errorMessage ?? null,
      errorKind: success ? null : abandoned ? 'client_closed' : record.error?.kind ?? null,
      attempts: formatAttempts(record.attempts),
      keyId: app.clientAuth.keyFingerprint(request) ?? '',
      queuedMs: record.queuedMs ?? null,
      queueRefusal: record.queueRefused?.reason ?? null,
      softFailure: record.softFailure ?? null,
      experiment: request.routePlan?.experiment?.name ?? null,
      arm: request.routePlan?.experiment?.arm ?? null
    })
  }

  app.decorate('metrics', {
    observe (request, reply, record) {
      request.record = record
      if (!options.enabled) {
        if (settledListeners.length > 0) {
          reply.raw.on('close', () => {
            const status = reply.raw.writableFinished ? record.error?.status ?? reply.raw.statusCode : 499
            const { cost, tokensIn, tokensOut } = priceRequest(record, status < 400)
            settle(request, { cost, tokensIn, tokensOut })
          })
        }
        return
      }
      reply.raw.on('close', () => {
        try {
          account(request, record, reply.raw.statusCode, !reply.raw.writableFinished)
        } catch (error) {
          request.log.error({ err: error }, 'metrics: could not account a request')
        }
      })
    },
    prometheus: () => series,
    onSettled: (listener) => { settledListeners.push(listener) },
    instance: options.worker === undefined ? localInstance() : workerInstance(options.worker)
  } satisfies Metrics)

  function reset (): void {
    for (const entry of stats.values()) entry.reset()
    log.clear()
  }

  function localInstance (): InstanceMetrics {
    return {
      providerMetrics: async () => [...providersByName.keys()].map((provider) => statsOf(provider).metrics()),
      logs: async (filter) => log.list(filter),
      costs: async () => [...providersByName.keys()].map((provider) => statsOf(provider).costs()),
      reset: async () => { reset() },
      prometheusText: async () => await series.registry.metrics()
    }
  }

  function workerInstance (worker: WorkerLink): InstanceMetrics {
    worker.serve('stats', () => Object.fromEntries([...stats].map(([provider, entry]) => [provider, entry.snapshot()])))
    worker.serve('logs', (filter) => log.list(filter as LogFilter))
    worker.serve('reset', () => { reset(); return true })
    worker.serve('prometheus', async () => await series.registry.getMetricsAsJSON())
    const merged = async (): Promise<ProviderStats[]> => {
      const parts = await worker.gather('stats') as Array<Record<string, StatsSnapshot>>
      return [...providersByName.keys()].map((provider) => {
        const sum = createProviderStats(provider)
        for (const part of parts) if (part[provider] !== undefined) sum.absorb(part[provider])
        return sum
      })
    }
    return {
      providerMetrics: async () => (await merged()).map((entry) => entry.metrics()),
      logs: async (filter) => (await worker.gather('logs', filter) as RequestLogEntry[][]).flat()
        .sort((a, b) => a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0)
        .slice(0, filter.limit),
      costs: async () => (await merged()).map((entry) => entry.costs()),
      reset: async () => { await worker.gather('reset') },
      prometheusText: async () => await AggregatorRegistry.aggregate(await worker.gather('prometheus') as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics()
    }
  }
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x', dependencies: ['provider-registry', 'routing', 'auth', 'store'] })

// Store row ids that sort by time: a new row goes at the end of the primary-key index instead of at a random place
// in it, which a growing table pays for on every insert. Random bytes, drawn in blocks, keep replicas' ids apart.
let entropy = randomBytes(0)
let entropyAt = 0
function rowId (epochMs: number): string {
  if (entropyAt + 8 > entropy.length) {
    entropy = randomBytes(8 * 512)
    entropyAt = 0
  }
  const random = entropy.toString('hex', entropyAt, entropyAt + 8)
  entropyAt += 8
  return `${epochMs.toString(36).padStart(9, '0')}-${random}`
}
