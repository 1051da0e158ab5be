import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { GatewayError, notFound, unauthenticated } from '../../src/canonical/errors.ts'
import type { CostGroup, SeriesQuery } from '../../src/store/store.ts'
import {
  CostRowSchema, CostsQuerySchema, HISTORY_PARAMS, SERIES_BUCKETS, SeriesQuerySchema, SeriesSchema, HistorySchema, LogsQuerySchema, MetricsQuerySchema, WINDOWS, WindowStatsSchema,
  definedOnly, timeOf, toStoredLogShape, type CostsQuery, type LogsQuery
} from './history.ts'
import { openAIErrorHandler } from '../../src/reply/error-handler.ts'
import { percentileOf } from '../../src/store/latency-buckets.ts'
import { Nullable } from '../../src/canonical/nullable.ts'
import { ProviderCostsSchema, ProviderMetricsSchema, RequestLogSchema } from '../metrics/index.ts'
import type { HealthSnapshot } from '../routing/index.ts'
import type { RegisteredProvider } from '../provider-registry.ts'
import type { SettingsPatch } from '../provider-overrides.ts'
import { registerKeyRoutes } from './keys.ts'
import { registerExperimentRoutes } from './experiments.ts'
import { registerGroupRoutes } from './groups.ts'
import { ProviderLimitsReportSchema, type ProviderLimitsReport } from '../provider-limits.ts'

export interface AdminApiOptions {
  logBufferSize: number
  /** The request body limit, of which four times is read and dropped before an error is answered. */
  bodyLimitBytes: number
}

const ProviderStatusSchema = Type.Object({
  name: Type.String(),
  displayName: Type.String(),
  enabled: Type.Boolean(),
  mode: Type.String(),
  weight: Type.Number(),
  baseUrl: Type.String(),
  defaultModel: Type.String(),
  models: Type.Integer({ description: 'models in the catalog' }),
  keyConfigured: Type.Boolean(),
  modelMap: Type.Record(Type.String(), Type.String()),
  /** Where each setting that can change at run time comes from: its env value, or PATCH /providers/:name. */
  sources: Type.Object({
    dispatchMode: Type.Union([Type.Literal('env'), Type.Literal('override')]),
    weight: Type.Union([Type.Literal('env'), Type.Literal('override')]),
    modelMap: Type.Union([Type.Literal('env'), Type.Literal('override')])
  })
})

const ModelName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[!-~]+$' })
const SettingsPatchSchema = Type.Object({
  dispatchMode: Type.Optional(Nullable(Type.Union(['off', 'exclusive', 'pooled', 'fallback'].map((mode) => Type.Literal(mode))))),
  weight: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1_000_000 }))),
  modelMap: Type.Optional(Nullable(Type.Record(ModelName, ModelName, { maxProperties: 1000 })))
}, { additionalProperties: false, minProperties: 1 })

const ProviderHealthSchema = Type.Object({
  provider: Type.String(),
  status: Type.Union(['healthy', 'degraded', 'down', 'disabled'].map((status) => Type.Literal(status))),
  circuit: Nullable(Type.Union(['closed', 'half-open', 'open'].map((state) => Type.Literal(state)))),
  cooldownUntil: Nullable(Type.String()),
  openUntil: Nullable(Type.String()),
  consecutiveFailures: Type.Integer(),
  recentFailures: Type.Integer(),
  recentSamples: Type.Integer(),
  lastError: Nullable(Type.Object({ at: Type.String(), message: Type.String(), status: Nullable(Type.Integer()) })),
  lastSuccess: Nullable(Type.String())
})

const ProviderParamsSchema = Type.Object({ provider: Type.String() })
// Live counters, and for a provider with rate limits (declared, or stated by its headers) their state and its queue.
const LiveMetricsSchema = Type.Composite([ProviderMetricsSchema, Type.Object({ limits: Type.Optional(ProviderLimitsReportSchema) })])
const LogsSchema = Type.Object({ logs: Type.Array(RequestLogSchema) })

/**
 * Contract §6: the `/providers/*` API and Prometheus `/metrics`, behind the admin rule of §2. Every response
 * has a TypeBox schema, which also gives Fastify a compiled serializer.
 */
const adminApi: FastifyPluginAsync<AdminApiOptions> = async (app, options) => {
  app.addHook('onRequest', async (request) => {
    // A dashboard session (plugins/dashboard) answers for its own requests: a key in the header still works alone.
    const viaDashboard = request.headers.authorization === undefined ? await app.dashboardAccess.admits(request) : undefined
    if (viaDashboard === true) return
    if (viaDashboard === false) {
      throw new GatewayError('permission', 403, 'The dashboard session is over, read-only, or this change lacks its CSRF token: sign in again to change settings.', { code: 'dashboard_session_refused' })
    }
    if (!app.clientAuth.isAdmin(request)) {
      throw unauthenticated('Missing or invalid admin key. Send ADMIN_API_KEY (or, when it is unset, a gateway key) as `Authorization: Bearer <key>`.')
    }
  })
  app.setErrorHandler(openAIErrorHandler(4 * options.bodyLimitBytes))

  const withLimits = async <T extends { provider: string }>(rows: T[]): Promise<Array<T & { limits?: ProviderLimitsReport }>> =>
    await Promise.all(rows.map(async (row) => {
      const limits = await app.providerLimits.report(row.provider)
      return limits === undefined ? row : { ...row, limits }
    }))

  const knownProvider = (name: string): RegisteredProvider => {
    const provider = app.providers.get(name)
    if (provider === undefined) {
      throw notFound(`Unknown provider '${name}'. Known providers: ${app.providers.all().map((known) => known.name).join(', ')}.`, 'provider_not_found')
    }
    return provider
  }

  const statusOf = (name: string): Static<typeof ProviderStatusSchema> => {
    const provider = knownProvider(name)
    return {
      name: provider.name,
      displayName: provider.definition.displayName,
      enabled: provider.enabled,
      mode: provider.settings.dispatchMode,
      weight: provider.settings.weight,
      baseUrl: provider.settings.baseUrl,
      defaultModel: provider.settings.defaultModel,
      models: provider.definition.catalog.models.length,
      keyConfigured: provider.settings.apiKey !== undefined,
      modelMap: { ...provider.settings.modelMap },
      sources: provider.sources
    }
  }

  app.get('/providers/status', { schema: { response: { 200: Type.Object({ providers: Type.Array(ProviderStatusSchema) }) } } }, async () => ({
    providers: app.providers.all().map((provider) => statusOf(provider.name))
  }))

  // Run-time settings: applied to routing at once, stored, and followed by every replica sharing the store.
  app.patch('/providers/:provider', { schema: { params: ProviderParamsSchema, body: SettingsPatchSchema, response: { 200: ProviderStatusSchema } } }, async (request) => {
    const { provider } = request.params as { provider: string }
    knownProvider(provider)
    await app.providerOverrides.patch(provider, request.body as SettingsPatch)
    return statusOf(provider)
  })

  app.delete('/providers/:provider', { schema: { params: ProviderParamsSchema, response: { 200: ProviderStatusSchema } } }, async (request) => {
    const { provider } = request.params as { provider: string }
    knownProvider(provider)
    await app.providerOverrides.clear(provider)
    return statusOf(provider)
  })

  app.get('/providers/metrics', {
    schema: {
      querystring: MetricsQuerySchema,
      response: { 200: Type.Union([Type.Object({ providers: Type.Array(LiveMetricsSchema) }), Type.Object({ window: Type.String(), providers: Type.Array(WindowStatsSchema) })]) }
    }
  }, async (request) => {
    const { window } = request.query as Static<typeof MetricsQuerySchema>
    // Without a window: the live counters since start-up or the last reset. With one: the store's rollups.
    if (window === undefined) return { providers: await withLimits(await app.metrics.instance.providerMetrics()) }
    return { window, providers: await app.store.window(Date.now() - (WINDOWS[window] as number)) }
  })

  app.get('/providers/metrics/series', { schema: { querystring: SeriesQuerySchema, response: { 200: SeriesSchema } } }, async (request) => {
    const { window = '1h', groupBy = 'provider' } = request.query as Static<typeof SeriesQuerySchema>
    const bucketMs = SERIES_BUCKETS[window] as number
    const until = Date.now() - (Date.now() % bucketMs) + bucketMs
    const since = until - Math.ceil((WINDOWS[window] as number) / bucketMs) * bucketMs
    const points = await app.store.series({ since, until, bucketMs, groupBy: groupBy as SeriesQuery['groupBy'] })
    const series = new Map<string, Array<Static<typeof SeriesSchema>['series'][number]['points'][number]>>()
    for (const point of points) {
      const list = series.get(point.group) ?? []
      list.push({
        t: new Date(point.bucket).toISOString(),
        requests: point.requests,
        errors: point.errors,
        softFailures: point.softFailures,
        tokensIn: point.tokensIn,
        tokensOut: point.tokensOut,
        cost: point.cost,
        avgLatencyMs: point.requests === 0 ? null : point.latencySum / point.requests,
        p95LatencyMs: percentileOf(point.latencyBuckets, 95),
        avgTimeToFirstTokenMs: point.ttftCount === 0 ? null : point.ttftSum / point.ttftCount
      })
      series.set(point.group, list)
    }
    return { window, bucketMs, since: new Date(since).toISOString(), until: new Date(until).toISOString(), series: [...series].map(([group, list]) => ({ group, points: list })) }
  })

  app.get('/providers/metrics/:provider', { schema: { params: ProviderParamsSchema, response: { 200: LiveMetricsSchema } } }, async (request) => {
    const { provider } = request.params as { provider: string }
    knownProvider(provider)
    return (await withLimits(await app.metrics.instance.providerMetrics())).find((metrics) => metrics.provider === provider)
  })

  app.post('/providers/metrics/reset', async (_request, reply) => {
    await app.metrics.instance.reset()
    return reply.code(204).send()
  })

  const listLogs = async (query: LogsQuery, provider: string | undefined): Promise<{ logs: unknown[], nextCursor?: string | null }> => {
    if (provider !== undefined) knownProvider(provider)
    if (HISTORY_PARAMS.some((param) => query[param] !== undefined)) {
      // The stored history, paged by cursor.
      const page = await app.store.logs({
        limit: Math.min(query.limit === undefined ? 100 : Number(query.limit), 1_000),
        ...definedOnly({
          since: timeOf(query.since, 'since'),
          until: timeOf(query.until, 'until'),
          provider,
          model: query.model,
          status: query.status === undefined ? undefined : Number(query.status),
          success: query.success === undefined ? undefined : query.success === 'true',
          key: query.key,
          experiment: query.experiment,
          cursor: query.cursor
        })
      })
      return { logs: page.logs.map(toStoredLogShape), nextCursor: page.nextCursor }
    }
    const limit = Math.min(query.limit === undefined ? 100 : Number(query.limit), options.logBufferSize)
    return {
      logs: await app.metrics.instance.logs({
        limit,
        ...(provider === undefined ? {} : { provider }),
        ...(query.success === undefined ? {} : { success: query.success === 'true' })
      })
    }
  }

  const logsResponse = { 200: Type.Union([LogsSchema, HistorySchema]) }
  app.get('/providers/logs', { schema: { querystring: LogsQuerySchema, response: logsResponse } }, async (request) => {
    const query = request.query as LogsQuery
    return await listLogs(query, query.provider)
  })

  app.get('/providers/logs/:provider', { schema: { params: ProviderParamsSchema, querystring: LogsQuerySchema, response: logsResponse } }, async (request) => {
    return await listLogs(request.query as LogsQuery, (request.params as { provider: string }).provider)
  })

  app.get('/providers/costs', {
    schema: {
      querystring: CostsQuerySchema,
      response: {
        200: Type.Union([
          Type.Object({ totalCost: Type.Number(), currency: Type.Literal('USD'), providers: Type.Array(ProviderCostsSchema) }),
          Type.Object({ totalCost: Type.Number(), currency: Type.Literal('USD'), groupBy: Type.String(), since: Nullable(Type.String()), until: Nullable(Type.String()), groups: Type.Array(CostRowSchema) })
        ])
      }
    }
  }, async (request) => {
    const query = request.query as CostsQuery
    if (query.since !== undefined || query.until !== undefined || query.groupBy !== undefined) {
      // From the store's rollups: survives restarts, and never scans the raw log.
      const since = timeOf(query.since, 'since')
      const until = timeOf(query.until, 'until')
      const groupBy = (query.groupBy ?? 'provider') as CostGroup
      const groups = await app.store.costs({ groupBy, ...definedOnly({ since, until }) })
      if (groupBy === 'key') {
        for (const group of groups) {
          const name = app.keyDirectory.byId(group.group)?.name
          if (name !== undefined) Object.assign(group, { keyName: name })
        }
      }
      return {
        totalCost: groups.reduce((sum, group) => sum + group.cost, 0),
        currency: 'USD' as const,
        groupBy,
        since: since === undefined ? null : new Date(since).toISOString(),
        until: until === undefined ? null : new Date(until).toISOString(),
        groups
      }
    }
    const providers = await app.metrics.instance.costs()
    return { totalCost: providers.reduce((sum, provider) => sum + provider.totalCost, 0), currency: 'USD' as const, providers }
  })

  app.get('/providers/health', {
    schema: {
      response: {
        200: Type.Object({ status: Type.Literal('ok'), providers: Type.Array(ProviderHealthSchema) }),
        503: Type.Object({ status: Type.Literal('unavailable'), providers: Type.Array(ProviderHealthSchema) })
      }
    }
  }, async (_request, reply) => {
    const providers = app.providers.all().map((provider) => healthOf(provider, app.router.health(provider.name)))
    const canServe = providers.some((provider) => provider.status !== 'down' && provider.status !== 'disabled')
    return reply.code(canServe ? 200 : 503).send({ status: canServe ? 'ok' : 'unavailable', providers })
  })

  app.get('/providers/clients', {
    schema: {
      response: {
        200: Type.Object({
          clients: Type.Array(Type.Object({
            client: Type.String({ description: 'key: + 12 hex digits of the key\'s SHA-256, or anonymous' }),
            requests: Type.Integer(),
            limited: Type.Integer(),
            tokensIn: Type.Integer(),
            tokensOut: Type.Integer(),
            requestsPerMinute: Nullable(Type.Integer()),
            tokensPerMinute: Nullable(Type.Integer())
          }))
        })
      }
    }
  }, async () => ({ clients: app.hasDecorator('clientUsage') ? await app.clientUsage() : [] }))

  registerKeyRoutes(app)
  registerExperimentRoutes(app)
  registerGroupRoutes(app)

  app.get('/metrics', async (_request, reply) => {
    return reply.type(app.metrics.prometheus().registry.contentType).send(await app.metrics.instance.prometheusText())
  })
}

const iso = (epochMs: number | undefined): string | null => epochMs === undefined ? null : new Date(epochMs).toISOString()

function healthOf (provider: RegisteredProvider, snapshot: HealthSnapshot | undefined) {
  if (!provider.enabled || snapshot === undefined) {
    return {
      provider: provider.name,
      status: 'disabled' as const,
      circuit: null,
      cooldownUntil: null,
      openUntil: null,
      consecutiveFailures: 0,
      recentFailures: 0,
      recentSamples: 0,
      lastError: null,
      lastSuccess: null
    }
  }
  const down = snapshot.openUntil !== undefined || snapshot.cooldownUntil !== undefined
  const degraded = snapshot.circuit !== 'closed' || snapshot.consecutiveFailures > 0
  return {
    provider: provider.name,
    status: down ? 'down' as const : degraded ? 'degraded' as const : 'healthy' as const,
    circuit: snapshot.circuit,
    cooldownUntil: iso(snapshot.cooldownUntil),
    openUntil: iso(snapshot.openUntil),
    consecutiveFailures: snapshot.consecutiveFailures,
    recentFailures: snapshot.recentFailures,
    recentSamples: snapshot.recentSamples,
    lastError: snapshot.lastError === undefined
      ? null
      : { at: new Date(snapshot.lastError.at).toISOString(), message: snapshot.lastError.message, status: snapshot.lastError.status ?? null },
    lastSuccess: iso(snapshot.lastSuccessAt)
  }
}

export default adminApi
