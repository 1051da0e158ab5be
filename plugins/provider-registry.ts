import fp from 'fastify-plugin'
import { Value } from '@sinclair/typebox/value'
import type { FastifyPluginAsync } from 'fastify'
import { ProviderManifestSchema, type ProviderDefinition } from '../src/provider/contract.ts'
import { indexCatalog, type CatalogIndex } from '../src/provider/model-catalog.ts'
import { ConfigurationError, resolveProviderSettings, type DispatchMode, type ProviderSettings } from '../src/config/provider-settings.ts'
import { createProxyDispatcher, createUpstreamClient, type ProxySettings, type UpstreamClient } from '../src/call/upstream-client.ts'
import { DEFAULT_MAX_RESPONSE_BYTES, type Env } from '../src/config/config.ts'
import { createPriceLookup, type PriceLookup, type PriceOverrides } from '../src/provider/pricing.ts'

/** Settings the admin API may change at run time, over their env values (PATCH /providers/:name). */
export interface SettingsOverride {
  dispatchMode?: DispatchMode
  weight?: number
  modelMap?: Record<string, string>
}

export type OverridableSetting = keyof SettingsOverride

export interface RegisteredProvider {
  readonly name: string
  readonly definition: ProviderDefinition
  /** The settings in effect: env values with any run-time override over them. */
  readonly settings: Readonly<ProviderSettings>
  /** Where each overridable setting's value comes from. */
  readonly sources: Readonly<Record<OverridableSetting, 'env' | 'override'>>
  /** A key is configured and the dispatch mode is not `off`. */
  readonly enabled: boolean
  readonly catalog: CatalogIndex
  readonly prices: PriceLookup
  /** Present only for enabled providers. */
  readonly upstream: UpstreamClient | undefined
  /** Prebuilt per provider: content type, auth and static headers. Never logged, never returned. */
  readonly headers: Readonly<Record<string, string>>
}

export interface ProviderRegistry {
  add: (definition: ProviderDefinition) => void
  get: (name: string) => RegisteredProvider | undefined
  all: () => readonly RegisteredProvider[]
  enabled: () => readonly RegisteredProvider[]
  /** Every configured provider key, for scrubbing from anything the gateway writes. */
  secrets: () => readonly string[]
  /**
   * Sets (or, with undefined, removes) a provider's run-time override and recomputes what depends on it: its
   * effective settings, whether it is enabled, its upstream client. The router must reload to route by it.
   */
  override: (name: string, override: SettingsOverride | undefined) => RegisteredProvider
}

export interface ProviderRegistryOptions {
  env: Env
  connectTimeoutMs: number
  keepAliveTimeoutMs?: number
  /** MAX_RESPONSE_BYTES; 64 MB when absent. */
  maxResponseBytes?: number
  proxy?: ProxySettings
  /** `PRICING_FILE`, by provider name, merged over each plugin's table. */
  priceOverrides?: PriceOverrides
}

declare module 'fastify' {
  interface FastifyInstance {
    providers: ProviderRegistry
  }
}

export function createProviderRegistry (options: ProviderRegistryOptions): ProviderRegistry & { close: () => Promise<void> } {
  const byName = new Map<string, RegisteredProvider>()
  const ordered: RegisteredProvider[] = []
  const enabled: RegisteredProvider[] = []
  const secrets: string[] = []
  const envSettings = new Map<string, Readonly<ProviderSettings>>()
  const proxy = createProxyDispatcher(options.proxy ?? {}, {
    connectTimeoutMs: options.connectTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs
  })

  function add (definition: ProviderDefinition): void {
    const firstError = Value.Errors(ProviderManifestSchema, definition).First()
    if (firstError !== undefined) {
      const name = typeof definition?.name === 'string' ? definition.name : '(unnamed)'
      throw new ConfigurationError(`Provider ${name}: ${firstError.path || '/'} ${firstError.message}`)
    }
    if (byName.has(definition.name)) {
      throw new ConfigurationError(`Provider ${definition.name} is registered twice (two folders with the same name)`)
    }
    const settings = resolveProviderSettings(definition.name, {
      baseUrl: definition.defaultBaseUrl,
      defaultModel: definition.defaultModel
    }, options.env)
    envSettings.set(definition.name, Object.freeze(settings))
    const provider = build(definition, settings, undefined, undefined, createPriceLookup(definition.pricing, options.priceOverrides?.[definition.name]))
    byName.set(provider.name, provider)
    ordered.push(provider)
    if (provider.enabled) enabled.push(provider)
    if (settings.apiKey !== undefined) secrets.push(settings.apiKey)
  }

  function build (definition: ProviderDefinition, env: ProviderSettings, override: SettingsOverride | undefined, previous: RegisteredProvider | undefined, prices: PriceLookup): RegisteredProvider {
    const settings: ProviderSettings = {
      ...env,
      ...(override?.dispatchMode === undefined ? {} : { dispatchMode: override.dispatchMode }),
      ...(override?.weight === undefined ? {} : { weight: override.weight }),
      ...(override?.modelMap === undefined ? {} : { modelMap: Object.assign(Object.create(null) as Record<string, string>, override.modelMap) })
    }
    const isEnabled = settings.apiKey !== undefined && settings.dispatchMode !== 'off'
    const source = (field: OverridableSetting): 'env' | 'override' => override?.[field] === undefined ? 'env' : 'override'
    return {
      name: definition.name,
      definition,
      settings: Object.freeze(settings),
      sources: Object.freeze({ dispatchMode: source('dispatchMode'), weight: source('weight'), modelMap: source('modelMap') }),
      enabled: isEnabled,
      catalog: previous?.catalog ?? indexCatalog(definition.catalog),
      prices,
      // A provider switched on at run time gets its client then; one switched off keeps it for its calls in flight.
      upstream: previous?.upstream ?? (isEnabled
        ? createUpstreamClient(settings.baseUrl, {
          connectTimeoutMs: options.connectTimeoutMs,
          keepAliveTimeoutMs: options.keepAliveTimeoutMs,
          maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
          proxy
        })
        : undefined),
      headers: previous?.headers ?? Object.freeze(buildHeaders(definition, settings.apiKey))
    }
  }

  function override (name: string, change: SettingsOverride | undefined): RegisteredProvider {
    const previous = byName.get(name)
    const env = envSettings.get(name)
    if (previous === undefined || env === undefined) throw new Error(`no provider ${name}`)
    const next = build(previous.definition, env, change, previous, previous.prices)
    byName.set(name, next)
    ordered[ordered.indexOf(previous)] = next
    const at = enabled.indexOf(previous)
    if (at >= 0) enabled.splice(at, 1)
    if (next.enabled) enabled.splice(ordered.filter((provider) => provider.enabled).indexOf(next), 0, next)
    return next
  }

  return {
    add,
    get: (name) => byName.get(name),
    all: () => ordered,
    enabled: () => enabled,
    secrets: () => secrets,
    override,
    close: async () => {
      await Promise.all(ordered.map((provider) => provider.upstream?.close()))
      await proxy?.close()
    }
  }
}

function buildHeaders (definition: ProviderDefinition, apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    // Answers are relayed and parsed as they come; a compressed one could be neither (see checkEncoding).
    'accept-encoding': 'identity',
    ...definition.staticHeaders
  }
  if (apiKey !== undefined) {
    if (definition.auth.scheme === 'bearer') headers.authorization = `Bearer ${apiKey}`
    else headers[definition.auth.header] = apiKey
  }
  return headers
}

const providerRegistry: FastifyPluginAsync<ProviderRegistryOptions> = async (app, options) => {
  const registry = createProviderRegistry(options)
  app.decorate('providers', {
    add: registry.add,
    get: registry.get,
    all: registry.all,
    enabled: registry.enabled,
    secrets: registry.secrets,
    override: registry.override
  })
  app.addHook('onClose', registry.close)
}

export default fp(providerRegistry, { name: 'provider-registry', fastify: '5.x' })
