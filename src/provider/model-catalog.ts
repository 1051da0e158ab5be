import type { ModelCapabilities, ModelCatalog } from './contract.ts'
import type { DiscoveredModel } from './model-discovery.ts'

/** Where a model is known from: the provider folder's catalog, the provider's own list, or both. */
export type ModelSource = 'catalog' | 'discovered' | 'both'

/** One model of the merged catalog: the folder's entry, with what the provider's list states over it. */
export interface CatalogEntry {
  id: string
  source: ModelSource
  displayName?: string
  contextWindow?: number
  maxOutputTokens?: number
  capabilities?: Partial<ModelCapabilities>
}

export interface CatalogIndex {
  /** The entry for an id or alias, or undefined. */
  find: (model: string) => CatalogEntry | undefined
  /** True when the provider serves the model: listed in the catalog or its list, aliased, or matching a family pattern. */
  serves: (model: string) => boolean
  /** Puts the provider's latest list in force; true when it changed which models are served. */
  discover: (models: readonly DiscoveredModel[]) => boolean
  /** Every model, catalog ones first, in their order, then those only the list knows. */
  entries: () => readonly CatalogEntry[]
}

/** Compiles `*` glob patterns into one anchored regular expression, built once at start-up. */
export function compileGlobs (patterns: readonly string[]): RegExp | undefined {
  if (patterns.length === 0) return undefined
  const alternatives = patterns.map((pattern) =>
    pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'))
  return new RegExp(`^(?:${alternatives.join('|')})$`)
}

/**
 * The folder's catalog, and the provider's own list once discovery has read it. Lookups are one Map read; the
 * merged entries are rebuilt when a list arrives, never on the request path.
 */
export function indexCatalog (catalog: ModelCatalog): CatalogIndex {
  const families = compileGlobs(catalog.families)
  const fromCatalog = new Map<string, CatalogEntry>()
  const catalogIds = new Map<string, string>()
  for (const model of catalog.models) {
    const entry: CatalogEntry = { id: model.id, source: 'catalog', contextWindow: model.contextWindow, capabilities: model.capabilities }
    if (model.maxOutputTokens !== undefined) entry.maxOutputTokens = model.maxOutputTokens
    fromCatalog.set(model.id, entry)
    catalogIds.set(model.id, model.id)
    for (const alias of model.aliases ?? []) catalogIds.set(alias, model.id)
  }
  let byId = new Map<string, CatalogEntry>()
  let merged: CatalogEntry[] = []
  let listed = new Set<string>()

  function rebuild (discovered: readonly DiscoveredModel[]): void {
    const stated = new Map(discovered.map((model) => [model.id, model]))
    const entries: CatalogEntry[] = []
    const index = new Map<string, CatalogEntry>()
    for (const [id, base] of fromCatalog) {
      const listedModel = stated.get(id)
      const entry = listedModel === undefined ? base : mergeEntry(base, listedModel)
      entries.push(entry)
      index.set(id, entry)
    }
    for (const [name, id] of catalogIds) if (!index.has(name)) index.set(name, index.get(id) as CatalogEntry)
    for (const model of discovered) {
      if (index.has(model.id)) continue
      const entry = mergeEntry({ id: model.id, source: 'discovered' }, model)
      entry.source = 'discovered'
      entries.push(entry)
      index.set(model.id, entry)
    }
    byId = index
    merged = entries
  }
  rebuild([])

  return {
    find: (model) => byId.get(model),
    serves: (model) => byId.has(model) || (families?.test(model) ?? false),
    discover (models) {
      const ids = new Set(models.map((model) => model.id))
      const changed = ids.size !== listed.size || [...ids].some((id) => !listed.has(id))
      listed = ids
      rebuild(models)
      return changed
    },
    entries: () => merged
  }
}

/** A catalog entry with the figures the provider's list states over it. */
function mergeEntry (base: CatalogEntry, listed: DiscoveredModel): CatalogEntry {
  const entry: CatalogEntry = { ...base, source: base.source === 'catalog' ? 'both' : base.source }
  if (listed.displayName !== undefined) entry.displayName = listed.displayName
  if (listed.contextWindow !== undefined) entry.contextWindow = listed.contextWindow
  if (listed.maxOutputTokens !== undefined) entry.maxOutputTokens = listed.maxOutputTokens
  if (listed.capabilities !== undefined) entry.capabilities = { ...base.capabilities, ...listed.capabilities }
  return entry
}
