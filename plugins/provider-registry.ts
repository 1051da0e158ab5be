import fp from 'fastify-plugin'
import { Value } from '@sinclair/typebox/value'
import type { FastifyPluginAsync } from 'fastify'
import { ProviderManifestSchema, type ProviderDefinition } from '../src/provider/contract.ts'
import { indexCatalog, type CatalogIndex } from '../src/provider/model-catalog.ts'
import { ConfigurationError, resolveProviderSettings, type ProviderSettings } from '../src/config/provider-settings.ts'
import { createProxyDispatcher, createUpstreamClient, type ProxySettings, type UpstreamClient } from '../src/call/upstream-client.ts'
import { DEFAULT_MAX_RESPONSE_BYTES, type Env } from '../src/config/config.ts'
import { createPriceLookup, type PriceLookup, type PriceOverrides } from '../src/provider/pricing.ts'

export interface RegisteredProvider {
  readonly name: string
  readonly definition: ProviderDefinition
  readonly settings: Readonly<ProviderSettings>
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
    const isEnabled = settings.apiKey !== undefined && settings.dispatchMode !== 'off'
    const provider: RegisteredProvider = {
      name: definition.name,
      definition,
      settings: Object.freeze(settings),
      enabled: isEnabled,
      catalog: indexCatalog(definition.catalog),
      prices: createPriceLookup(definition.pricing, options.priceOverrides?.[definition.name]),
      upstream: isEnabled
        ? createUpstreamClient(settings.baseUrl, {
          connectTimeoutMs: options.connectTimeoutMs,
          keepAliveTimeoutMs: options.keepAliveTimeoutMs,
          maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
          proxy
        })
        : undefined,
      headers: Object.freeze(buildHeaders(definition, settings.apiKey))
    }
    byName.set(provider.name, provider)
    ordered.push(provider)
    if (isEnabled) enabled.push(provider)
    if (settings.apiKey !== undefined) secrets.push(settings.apiKey)
  }

  return {
    add,
    get: (name) => byName.get(name),
    all: () => ordered,
    enabled: () => enabled,
    secrets: () => secrets,
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
    secrets: registry.secrets
  })
  app.addHook('onClose', registry.close)
}

export default fp(providerRegistry, { name: 'provider-registry', fastify: '5.x' })
