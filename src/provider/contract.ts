import { Type, type Static } from '@sinclair/typebox'
import type { ChatRequest } from '../canonical/chat-request.ts'
import type { ChatResponse } from '../canonical/chat-response.ts'
import type { GatewayError } from '../canonical/errors.ts'
import type { CallContext } from './call-context.ts'
import type { CreateStreamTranslator } from './stream-translator.ts'
import type { RelayCapability } from './relay-capability.ts'
import { RateLimitHeadersSchema } from './rate-limit-headers.ts'
import type { ModelDiscovery } from './model-discovery.ts'

export type { CallContext } from './call-context.ts'

export const ModelCapabilitiesSchema = Type.Object({
  tools: Type.Boolean(),
  vision: Type.Boolean(),
  json: Type.Boolean(),
  reasoning: Type.Boolean()
})

export const ModelInfoSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  aliases: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  contextWindow: Type.Integer({ minimum: 1 }),
  maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1 })),
  capabilities: ModelCapabilitiesSchema
})

export const ModelCatalogSchema = Type.Object({
  models: Type.Array(ModelInfoSchema),
  /** Glob patterns (`*` only) for model ids this provider serves beyond the listed ones, e.g. `claude-*`. */
  families: Type.Array(Type.String({ minLength: 1 }))
})

export const PriceSchema = Type.Object({
  input: Type.Number({ minimum: 0 }),
  output: Type.Number({ minimum: 0 }),
  cachedInput: Type.Optional(Type.Number({ minimum: 0 })),
  cacheWrite: Type.Optional(Type.Number({ minimum: 0 }))
})

export const PriceTableSchema = Type.Object({
  currency: Type.Literal('USD'),
  unit: Type.Literal('per 1M tokens'),
  source: Type.String({ minLength: 1 }),
  date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  /** Keyed by model id or a glob pattern (`gpt-4o-*`); an exact id wins over a pattern. */
  prices: Type.Record(Type.String(), PriceSchema)
})

export const ProviderAuthSchema = Type.Union([
  Type.Object({ scheme: Type.Literal('bearer') }),
  Type.Object({ scheme: Type.Literal('header'), header: Type.String({ pattern: '^[a-z0-9-]+$' }) })
])

export const ProviderManifestSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }),
  displayName: Type.String({ minLength: 1 }),
  defaultBaseUrl: Type.String({ pattern: '^https?://' }),
  auth: ProviderAuthSchema,
  /** Headers every call carries besides auth and content type, e.g. an API version. */
  staticHeaders: Type.Optional(Type.Record(Type.String(), Type.String())),
  defaultModel: Type.String({ minLength: 1 }),
  catalog: ModelCatalogSchema,
  pricing: PriceTableSchema,
  /** Which answer headers state the account's rate limits (learned limits, docs/routing.md). */
  rateLimitHeaders: Type.Optional(RateLimitHeadersSchema)
})

export type ModelCapabilities = Static<typeof ModelCapabilitiesSchema>
export type ModelInfo = Static<typeof ModelInfoSchema>
export type ModelCatalog = Static<typeof ModelCatalogSchema>
export type Price = Static<typeof PriceSchema>
export type PriceTable = Static<typeof PriceTableSchema>
export type ProviderAuth = Static<typeof ProviderAuthSchema>
export type ProviderManifest = Static<typeof ProviderManifestSchema>

export interface UpstreamRequest {
  /** Path below the provider's base URL, with query string if any. */
  path: string
  body: Record<string, unknown>
}

/**
 * The contract every `providers/<name>/` folder fulfils. The data half is checked against
 * `ProviderManifestSchema` when the provider registers; the functions are pure translators.
 */
export interface ProviderDefinition extends ProviderManifest {
  toUpstreamRequest: (request: ChatRequest, ctx: CallContext) => UpstreamRequest
  fromUpstreamResponse: (body: unknown, ctx: CallContext) => ChatResponse
  /** A stream's translator, made once per stream and pushed its events one by one (`src/provider/stream-translator.ts`). */
  createStreamTranslator: CreateStreamTranslator
  parseUpstreamError: (status: number, body: unknown, retryAfterSeconds: number | undefined) => GatewayError
  /** For a provider that speaks an ingress protocol itself: requests in it are relayed untranslated. */
  relay?: RelayCapability
  /** How to read the provider's own model list (src/provider/model-discovery.ts). */
  discovery?: ModelDiscovery
}
