import fp from 'fastify-plugin'
import type { FastifyPluginAsync } from 'fastify'
import { Gauge } from 'prom-client'
import { listModels } from '../src/model-discovery/list-models.ts'
import type { RegisteredProvider } from './provider-registry.ts'
import { CounterFamily } from './metrics/families.ts'

export interface DiscoveryStatus {
  /** Models the provider's last good list held (0 before the first). */
  models: number
  refreshedAt: number | undefined
  /** The last refresh failed: why, and the list before it is kept. */
  error: string | undefined
  failures: number
}

export interface ModelDiscoveryState {
  /** Each enabled provider's discovery, for a provider that declares one. */
  status: (provider: string) => DiscoveryStatus | undefined
  /** Resolves when the current round of refreshes is over (the first starts when the app is ready). */
  settled: () => Promise<void>
  /** Runs a round now. */
  refresh: () => Promise<void>
}

export interface ModelDiscoveryOptions {
  /** MODEL_REFRESH_MS: how often the lists are read again; 0 reads them only at start-up. */
  refreshMs: number
  /** Each page's deadline. */
  timeoutMs: number
  /** DISCOVER_MODELS=off: no list is ever read. */
  enabled: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    modelDiscovery: ModelDiscoveryState
  }
}

/**
 * Model discovery (docs/providers.md): each enabled provider whose folder declares how, has its own model list read
 * at start-up (without holding up readiness) and every `refreshMs`, merged into its catalog, and the routing
 * rebuilt when the set of models changed. A failed refresh keeps the last good list, is counted, and is logged
 * once per episode; it never stops the gateway from serving.
 */
const modelDiscovery: FastifyPluginAsync<ModelDiscoveryOptions> = async (app, options) => {
  const statuses = new Map<string, DiscoveryStatus>()
  const abort = new AbortController()
  let round: Promise<void> = Promise.resolve()
  let running = false
  const registry = app.metrics.prometheus().registry
  const failures = new CounterFamily('switchyard_model_refresh_failures_total', 'Model list refreshes that failed, by provider (the last good list is kept)', ['provider'], registry)
  const listed = new Gauge({
    name: 'switchyard_discovered_models',
    help: 'Models in each provider\'s last good model list',
    labelNames: ['provider'],
    registers: [registry],
    collect () {
      listed.reset()
      for (const [provider, status] of statuses) listed.set({ provider }, status.models)
    }
  })

  const discoverable = (): RegisteredProvider[] =>
    app.providers.enabled().filter((provider) => provider.definition.discovery !== undefined && provider.upstream !== undefined)

  async function refreshOne (provider: RegisteredProvider): Promise<boolean> {
    const status = statuses.get(provider.name) ?? { models: 0, refreshedAt: undefined, error: undefined, failures: 0 }
    statuses.set(provider.name, status)
    try {
      const models = await listModels({
        name: provider.name,
        definition: provider.definition,
        upstream: provider.upstream as NonNullable<RegisteredProvider['upstream']>,
        headers: provider.headers,
        secrets: app.providers.secrets()
      }, provider.definition.discovery as NonNullable<RegisteredProvider['definition']['discovery']>, options.timeoutMs, abort.signal)
      if (status.error !== undefined) app.log.info({ provider: provider.name, models: models.length }, 'model list read again after failing')
      status.models = models.length
      status.refreshedAt = Date.now()
      status.error = undefined
      return provider.catalog.discover(models)
    } catch (error) {
      if (abort.signal.aborted) return false
      status.failures++
      failures.cell([provider.name]).value++
      const message = (error as Error).message
      // Once per episode: the first failure after a success (or at start), not every refresh while it lasts.
      if (status.error === undefined) app.log.warn({ provider: provider.name, err: message, keptModels: status.models }, 'the model list could not be read; the last good list is kept')
      status.error = message
      return false
    }
  }

  function refresh (): Promise<void> {
    if (running) return round
    running = true
    round = Promise.all(discoverable().map(refreshOne)).then((changed) => {
      if (changed.some(Boolean) && !abort.signal.aborted) app.router.reload()
    }).catch((error: unknown) => {
      app.log.error({ err: error }, 'the routing could not be rebuilt after a model list changed')
    }).finally(() => { running = false })
    return round
  }

  app.decorate('modelDiscovery', {
    status: (provider) => statuses.get(provider),
    settled: async () => { await round },
    refresh
  } satisfies ModelDiscoveryState)

  if (!options.enabled) return
  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    // Not awaited: readiness does not wait for a provider's list.
    void refresh()
    if (options.refreshMs > 0) {
      timer = setInterval(() => { void refresh() }, options.refreshMs)
      timer.unref()
    }
  })
  app.addHook('onClose', async () => {
    clearInterval(timer)
    abort.abort()
    await round
  })
}

export default fp(modelDiscovery, { name: 'model-discovery', fastify: '5.x', dependencies: ['provider-registry', 'routing', 'metrics'] })
