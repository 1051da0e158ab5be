import type { RegisteredProvider } from './provider-registry.ts'
import type { CompiledGroup } from './routing/groups.ts'
import type { CatalogEntry } from '../src/provider/model-catalog.ts'

// What `/v1/models` lists, in OpenAI's shape and in Anthropic's: every enabled provider's merged catalog (the
// folder's models and those its own list names), and the model groups, each by the id a client asks for.

/** One listed model, before it is put in either protocol's shape. */
export interface ListedModel {
  /** `provider:model`, or a group's name. */
  id: string
  ownedBy: string
  displayName: string
  /** Switchyard's figures, under `switchyard` in OpenAI's shape so that SDKs ignore them. */
  switchyard: Record<string, unknown>
  contextWindow?: number | undefined
  maxOutputTokens?: number | undefined
}

export function listedModels (providers: readonly RegisteredProvider[], groups: readonly CompiledGroup[]): ListedModel[] {
  return [
    ...groups.map((group) => ({
      id: group.name,
      ownedBy: 'switchyard',
      displayName: group.name,
      switchyard: { group: { strategy: group.strategy, members: group.members.map((member) => `${member.provider.name}:${member.model}`) } }
    })),
    ...providers.flatMap((provider) => provider.catalog.entries().map((entry) => listedModel(provider, entry)))
  ]
}

function listedModel (provider: RegisteredProvider, entry: CatalogEntry): ListedModel {
  const priced = provider.prices.priceOf(entry.id)
  const price = priced?.price
  return {
    id: `${provider.name}:${entry.id}`,
    ownedBy: provider.name,
    displayName: entry.displayName ?? entry.id,
    contextWindow: entry.contextWindow,
    maxOutputTokens: entry.maxOutputTokens,
    switchyard: {
      provider: provider.name,
      model: entry.id,
      source: entry.source,
      contextWindow: entry.contextWindow ?? null,
      maxOutputTokens: entry.maxOutputTokens ?? null,
      capabilities: entry.capabilities ?? null,
      price: price === undefined
        ? null
        : { input: price.input, output: price.output, ...(price.cachedInput === undefined ? {} : { cachedInput: price.cachedInput }), currency: 'USD', unit: 'per 1M tokens' },
      priceSource: priced?.source ?? 'unknown'
    }
  }
}

const LISTED_AT = Math.floor(Date.now() / 1000)
const LISTED_AT_ISO = new Date(LISTED_AT * 1000).toISOString()

/** OpenAI's `Model`, with Switchyard's figures under `switchyard`. */
export function openAIModel (model: ListedModel): Record<string, unknown> {
  return { id: model.id, object: 'model', created: LISTED_AT, owned_by: model.ownedBy, switchyard: model.switchyard }
}

/** Anthropic's `ModelInfo`. */
export function anthropicModel (model: ListedModel): Record<string, unknown> {
  return {
    type: 'model',
    id: model.id,
    display_name: model.displayName,
    created_at: LISTED_AT_ISO,
    max_input_tokens: model.contextWindow ?? null,
    max_tokens: model.maxOutputTokens ?? null
  }
}
