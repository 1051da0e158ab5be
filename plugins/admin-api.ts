import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { notFound, unauthenticated } from '../src/canonical/errors.ts'
import { openAIErrorHandler } from '../src/reply/error-handler.ts'
import { Nullable } from '../src/canonical/nullable.ts'
import { ProviderCostsSchema, ProviderMetricsSchema, RequestLogSchema } from './metrics/index.ts'
import type { HealthSnapshot } from './routing/index.ts'
import type { RegisteredProvider } from './provider-registry.ts'

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
  keyConfigured: Type.Boolean()
})

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

const LogsQuerySchema = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  provider: Type.Optional(Type.String()),
  success: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')]))
})
const ProviderParamsSchema = Type.Object({ provider: Type.String() })
const LogsSchema = Type.Object({ logs: Type.Array(RequestLogSchema) })

/**
 * Contract §6: the `/providers/*` API and Prometheus `/metrics`, behind the admin rule of §2. Every response
 * has a TypeBox schema, which also gives Fastify a compiled serializer.
 */
const adminApi: FastifyPluginAsync<AdminApiOptions> = async (app, options) => {
  app.addHook('onRequest', async (request) => {
    if (!app.clientAuth.isAdmin(request)) {
      throw unauthenticated('Missing or invalid admin key. Send ADMIN_API_KEY (or, when it is unset, a gateway key) as `Authorization: Bearer <key>`.')
    }
  })
  app.setErrorHandler(openAIErrorHandler(4 * options.bodyLimitBytes))

  const knownProvider = (name: string): RegisteredProvider => {
    const provider = app.providers.get(name)
    if (provider === undefined) {
      throw notFound(`Unknown provider '${name}'. Known providers: ${app.providers.all().map((known) => known.name).join(', ')}.`, 'provider_not_found')
    }
    return provider
  }

  app.get('/providers/status', { schema: { response: { 200: Type.Object({ providers: Type.Array(ProviderStatusSchema) }) } } }, async () => ({
    providers: app.providers.all().map((provider) => ({
      name: provider.name,
      displayName: provider.definition.displayName,
      enabled: provider.enabled,
      mode: provider.settings.dispatchMode,
      weight: provider.settings.weight,
      baseUrl: provider.settings.baseUrl,
      defaultModel: provider.settings.defaultModel,
      models: provider.definition.catalog.models.length,
      keyConfigured: provider.settings.apiKey !== undefined
    }))
  }))

  app.get('/providers/metrics', { schema: { response: { 200: Type.Object({ providers: Type.Array(ProviderMetricsSchema) }) } } },
    async () => ({ providers: app.metrics.allProviderMetrics() }))

  app.get('/providers/metrics/:provider', { schema: { params: ProviderParamsSchema, response: { 200: ProviderMetricsSchema } } }, async (request) => {
    const { provider } = request.params as { provider: string }
    knownProvider(provider)
    return app.metrics.providerMetrics(provider)
  })

  app.post('/providers/metrics/reset', async (_request, reply) => {
    app.metrics.reset()
    return reply.code(204).send()
  })

  const listLogs = (query: { limit?: string, provider?: string, success?: 'true' | 'false' }, provider: string | undefined): { logs: unknown[] } => {
    if (provider !== undefined) knownProvider(provider)
    const limit = Math.min(query.limit === undefined ? 100 : Number(query.limit), options.logBufferSize)
    return {
      logs: app.metrics.logs({
        limit,
        ...(provider === undefined ? {} : { provider }),
        ...(query.success === undefined ? {} : { success: query.success === 'true' })
      })
    }
  }

  app.get('/providers/logs', { schema: { querystring: LogsQuerySchema, response: { 200: LogsSchema } } }, async (request) => {
    const query = request.query as { limit?: string, provider?: string, success?: 'true' | 'false' }
    return listLogs(query, query.provider)
  })

  app.get('/providers/logs/:provider', { schema: { params: ProviderParamsSchema, querystring: LogsQuerySchema, response: { 200: LogsSchema } } }, async (request) => {
    return listLogs(request.query as { limit?: string, success?: 'true' | 'false' }, (request.params as { provider: string }).provider)
  })

  app.get('/providers/costs', {
    schema: {
      response: {
        200: Type.Object({ totalCost: Type.Number(), currency: Type.Literal('USD'), providers: Type.Array(ProviderCostsSchema) })
      }
    }
  }, async () => {
    const providers = app.metrics.costs()
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
  }, async () => ({ clients: app.hasDecorator('clientUsage') ? app.clientUsage() : [] }))

  app.get('/metrics', async (_request, reply) => {
    const registry = app.metrics.prometheus().registry
    return reply.type(registry.contentType).send(await registry.metrics())
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
