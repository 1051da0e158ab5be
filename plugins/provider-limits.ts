import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { GatewayError, invalidRequest } from '../src/canonical/errors.ts'
import type { Env } from '../src/config/config.ts'
import '../src/ingress/model-route.ts'
import '../src/provider-limits/admission.ts'
import { createAdmissionQueue, PRIORITIES, type Priority, type QueueOutcome, type Waiter } from '../src/provider-limits/admission-queue.ts'
import { declaredLimitsOf, loadProviderLimitsFile, type DeclaredLimits } from '../src/provider-limits/declared-limits.ts'
import { createProviderLimiter, type ProviderLimiter } from '../src/provider-limits/provider-limiter.ts'
import { Nullable } from '../src/canonical/nullable.ts'
import { CounterFamily, HistogramFamily } from './metrics/families.ts'
import { createLatencyHistogram, roundMs, type LatencyHistogram } from './metrics/latency-histogram.ts'

const LimitsFields = {
  requestsPerMinute: Type.Optional(Type.Integer()),
  tokensPerMinute: Type.Optional(Type.Integer()),
  maxConcurrency: Type.Optional(Type.Integer())
}

export const ProviderLimitsReportSchema = Type.Object({
  declared: Type.Object({ ...LimitsFields, models: Type.Record(Type.String(), Type.Object(LimitsFields)) }),
  learned: Type.Array(Type.Object({
    model: Type.String(),
    requestsPerMinute: Type.Optional(Type.Integer()),
    tokensPerMinute: Type.Optional(Type.Integer()),
    requests: Type.Optional(Type.Object({ remaining: Type.Integer(), resetAt: Type.String() })),
    tokens: Type.Optional(Type.Object({ remaining: Type.Integer(), resetAt: Type.String() }))
  })),
  headroom: Type.Array(Type.Object({
    model: Type.Union([Type.String(), Type.Null()]),
    limit: Type.String(),
    declared: Type.Integer(),
    effective: Type.Integer(),
    used: Type.Integer(),
    remaining: Type.Integer()
  })),
  queue: Type.Object({
    depth: Type.Integer(),
    admitted: Type.Integer(),
    waitP50Ms: Nullable(Type.Number()),
    waitP95Ms: Nullable(Type.Number()),
    waitMaxMs: Nullable(Type.Number()),
    rejections: Type.Record(Type.String(), Type.Integer())
  })
})
export type ProviderLimitsReport = Static<typeof ProviderLimitsReportSchema>

export interface ProviderLimitsOptions {
  env: Env
  file: string | undefined
  maxWaitMs: number
  maxDepth: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Each provider's limits, what it said of them, their headroom and its queue, as this process sees them. */
    providerLimits: { report: (provider: string) => Promise<ProviderLimitsReport | undefined> }
  }
}

const PRIORITY_HEADER = 'x-switchyard-priority'
// For a model the catalog does not know: larger than any model's context window today.
const LARGEST_CONTEXT_WINDOW = 10_000_000
const REJECTIONS: readonly QueueOutcome[] = ['queue_full', 'queue_timeout', 'wait_too_long', 'client_left', 'error']

interface QueueStats { waits: LatencyHistogram, maxMs: number, rejections: Map<QueueOutcome, number> }

/**
 * Per-provider rate limits and the admission queue (docs/routing.md, Admission). Declared limits come from
 * `<P>_RPM`, `<P>_TPM`, `<P>_MAX_CONCURRENCY` and `PROVIDER_LIMITS_FILE`, and count in the shared state; learned
 * ones from the headers each provider folder names. The router consults them before every attempt; a request
 * whose every candidate is at a limit waits in one fair, bounded queue per process.
 */
const providerLimits: FastifyPluginAsync<ProviderLimitsOptions> = async (app, options) => {
  const installed = app.providers.all()
  const file = await loadProviderLimitsFile(options.file, installed.map((provider) => provider.name))
  const declared = new Map<string, DeclaredLimits>()
  const limiters = new Map<string, ProviderLimiter>()
  const registry = app.metrics.prometheus().registry
  const waitSeconds = new HistogramFamily('switchyard_queue_wait_seconds', 'Time requests waited in the rate-limit queue, by the provider they first asked for',
    ['provider'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registry)
  const rejected = new CounterFamily('switchyard_queue_rejections_total', 'Requests the rate-limit queue turned away, by reason (queue_full, queue_timeout, wait_too_long, client_left, error)',
    ['provider', 'reason'], registry)
  const stats = new Map<string, QueueStats>()
  const statsOf = (provider: string): QueueStats => {
    let entry = stats.get(provider)
    if (entry === undefined) {
      entry = { waits: createLatencyHistogram(), maxMs: 0, rejections: new Map() }
      stats.set(provider, entry)
    }
    return entry
  }

  const queue = createAdmissionQueue({
    maxWaitMs: options.maxWaitMs,
    maxDepth: options.maxDepth,
    onLeave (provider, outcome, waitedMs) {
      const entry = statsOf(provider)
      if (outcome === 'admitted') {
        entry.waits.record(waitedMs)
        entry.maxMs = Math.max(entry.maxMs, waitedMs)
        waitSeconds.cell([provider]).observe(waitedMs / 1000)
        return
      }
      entry.rejections.set(outcome, (entry.rejections.get(outcome) ?? 0) + 1)
      rejected.cell([provider, outcome]).value++
    }
  })
  app.addHook('onClose', async () => { queue.close() })

  for (const provider of installed) {
    const limits = declaredLimitsOf(provider.name, options.env, file)
    if (limits !== undefined) declared.set(provider.name, limits)
    const headers = provider.definition.rateLimitHeaders
    if (limits === undefined && headers === undefined) continue
    const limiter = createProviderLimiter(provider.name, limits, headers, app.sharedState,
      (model) => provider.catalog.find(model)?.contextWindow ?? LARGEST_CONTEXT_WINDOW)
    limiter.onRelease(queue.notify)
    limiters.set(provider.name, limiter)
  }
  if (declared.size > 0) {
    app.log.info(Object.fromEntries([...declared].map(([name, limits]) => [name, { ...limits.provider, models: Object.fromEntries(limits.models) }])), 'provider rate limits')
  }
  app.router.useAdmission({ limiterOf: (name) => limiters.get(name), queue })

  const depthGauge = new Gauge({
    name: 'switchyard_queue_depth',
    help: 'Requests waiting in this process\'s rate-limit queue, by the provider they first asked for',
    labelNames: ['provider'],
    registers: [registry],
    collect () {
      depthGauge.reset()
      for (const [provider, depth] of queue.depthByProvider()) depthGauge.set({ provider }, depth)
    }
  })
  const headroomGauge = new Gauge({
    name: 'switchyard_provider_limit_headroom',
    help: 'What is left of each declared provider limit now (this minute\'s requests and tokens, free concurrency slots)',
    labelNames: ['provider', 'model', 'limit'],
    registers: [registry],
    async collect () {
      headroomGauge.reset()
      for (const provider of declared.keys()) {
        const rows = await (limiters.get(provider) as ProviderLimiter).headroom(Date.now()).catch(() => [])
        for (const row of rows) headroomGauge.set({ provider, model: row.model ?? '', limit: row.limit }, row.remaining)
      }
    }
  })

  // One method for every request, not a closure each: the key is named only if the request comes to wait.
  app.decorateRequest('queuePriority', 'normal')
  app.decorateRequest('queueWaiter', function (this: FastifyRequest): Waiter {
    return { key: app.clientAuth.keyFingerprint(this) ?? `address:${this.ip}`, priority: this.queuePriority }
  })
  app.addHook('preHandler', (request, _reply, done) => {
    const asked = request.headers[PRIORITY_HEADER]
    if (asked === undefined || request.routeOptions.config.modelRoute === undefined) {
      done()
      return
    }
    const value = (Array.isArray(asked) ? asked[0] : asked)?.trim().toLowerCase()
    if (!(PRIORITIES as readonly string[]).includes(value ?? '')) {
      done(invalidRequest(`The ${PRIORITY_HEADER} header must be one of ${PRIORITIES.join(', ')}.`, PRIORITY_HEADER, 'invalid_priority'))
      return
    }
    const priority = value as Priority
    const key = request.virtualKey
    if (priority === 'high' && key !== null && key.settings.allowHighPriority !== true) {
      done(new GatewayError('permission', 403, `Key '${key.name}' may not ask for ${PRIORITY_HEADER}: high (its allowHighPriority setting is off).`, { code: 'priority_not_allowed' }))
      return
    }
    request.queuePriority = priority
    done()
  })

  app.decorate('providerLimits', {
    async report (provider) {
      const limiter = limiters.get(provider)
      if (limiter === undefined) return undefined
      const now = Date.now()
      const limits = declared.get(provider)
      const entry = statsOf(provider)
      const percentile = (p: number): number | null => {
        const value = entry.waits.percentile(p)
        return value === null ? null : roundMs(value)
      }
      return {
        declared: { ...limits?.provider, models: Object.fromEntries(limits?.models ?? []) },
        learned: limiter.learned(now),
        headroom: await limiter.headroom(now),
        queue: {
          depth: queue.depthByProvider().get(provider) ?? 0,
          admitted: entry.waits.count,
          waitP50Ms: percentile(50),
          waitP95Ms: percentile(95),
          waitMaxMs: entry.waits.count === 0 ? null : roundMs(entry.maxMs),
          rejections: Object.fromEntries(REJECTIONS.map((reason) => [reason, entry.rejections.get(reason) ?? 0]))
        }
      }
    }
  })
}

export default fp(providerLimits, { name: 'provider-limits', fastify: '5.x', dependencies: ['provider-registry', 'routing', 'shared-state', 'metrics', 'auth'] })
