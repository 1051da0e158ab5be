import fp from 'fastify-plugin'
import type { FastifyPluginAsync } from 'fastify'
import type { RegisteredProvider } from './provider-registry.ts'
import { invalidRequest } from '../src/errors.ts'

export interface RouteTarget {
  provider: RegisteredProvider
  /** The model id to send upstream: prefix stripped, mapped for the provider when it does not serve it. */
  model: string
  /** The client named the provider with a `provider:` prefix. */
  pinned: boolean
}

export interface Router {
  resolve: (model: string) => RouteTarget
}

export interface RoutingOptions {
  defaultProvider: string
}

declare module 'fastify' {
  interface FastifyInstance {
    router: Router
  }
}

const ROUTE_CACHE_LIMIT = 10_000

/**
 * Contract §3 rules 1 (prefix pin), 3 (owned model) and the default provider. Tables are built once when the
 * app is ready; per request the work is a Map lookup (results for unprefixed models are cached).
 */
export function createRouter (providers: readonly RegisteredProvider[], options: RoutingOptions): Router {
  const byName = new Map(providers.map((provider) => [provider.name, provider]))
  const enabled = providers.filter((provider) => provider.enabled)
  const enabledNames = enabled.map((provider) => provider.name).join(', ') || 'none'
  const defaultProvider = enabled.find((provider) => provider.name === options.defaultProvider)
  const cache = new Map<string, RouteTarget>()

  function resolveUnprefixed (model: string): RouteTarget {
    const owners = enabled.filter((provider) => provider.catalog.serves(model))
    if (owners.length === 1 && owners[0] !== undefined) return { provider: owners[0], model, pinned: false }
    if (defaultProvider !== undefined) {
      return { provider: defaultProvider, model: mapModel(defaultProvider, model), pinned: false }
    }
    const owner = owners[0]
    if (owner !== undefined) return { provider: owner, model, pinned: false }
    throw invalidRequest(
      `No enabled provider serves model '${model}' and the default provider '${options.defaultProvider}' is not ` +
      `enabled. Prefix the model with a provider (enabled: ${enabledNames}), e.g. '${enabled[0]?.name ?? 'openai'}:${model}'.`,
      'model', 'model_not_found')
  }

  return {
    resolve (model) {
      const cached = cache.get(model)
      if (cached !== undefined) return cached
      const colon = model.indexOf(':')
      if (colon > 0) {
        const prefix = model.slice(0, colon)
        const named = byName.get(prefix)
        if (named !== undefined) {
          if (!named.enabled) {
            throw invalidRequest(
              `Provider '${prefix}' is not enabled (no ${prefix.toUpperCase().replace(/-/g, '_')}_API_KEY, or its ` +
              `mode is off). Enabled providers: ${enabledNames}.`, 'model', 'provider_not_enabled')
          }
          const upstreamModel = model.slice(colon + 1)
          if (upstreamModel === '') throw invalidRequest(`Model '${model}' names a provider but no model.`, 'model')
          return remember(model, { provider: named, model: upstreamModel, pinned: true })
        }
        if (!enabled.some((provider) => provider.catalog.serves(model)) && !byName.has(model)) {
          throw invalidRequest(
            `Unknown provider prefix '${prefix}' in model '${model}'. Enabled providers: ${enabledNames}.`,
            'model', 'unknown_provider')
        }
      }
      return remember(model, resolveUnprefixed(model))
    }
  }

  function remember (model: string, target: RouteTarget): RouteTarget {
    if (cache.size >= ROUTE_CACHE_LIMIT) cache.clear()
    cache.set(model, target)
    return target
  }
}

/** Contract §4: a model the provider serves passes unchanged; otherwise its model map, else its default model. */
export function mapModel (provider: RegisteredProvider, model: string): string {
  if (provider.catalog.serves(model)) return model
  return provider.settings.modelMap[model] ?? provider.settings.defaultModel
}

const routing: FastifyPluginAsync<RoutingOptions> = async (app, options) => {
  let router: Router | undefined
  app.decorate('router', {
    resolve: (model: string) => {
      if (router === undefined) throw new Error('routing used before the app was ready')
      return router.resolve(model)
    }
  })
  app.addHook('onReady', async () => {
    router = createRouter(app.providers.all(), options)
    if (app.providers.get(options.defaultProvider) === undefined) {
      app.log.warn({ defaultProvider: options.defaultProvider },
        'DEFAULT_PROVIDER names no installed provider; unprefixed models go to the provider that owns them')
    }
  })
}

export default fp(routing, { name: 'routing', fastify: '5.x', dependencies: ['provider-registry'] })
