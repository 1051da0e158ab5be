import type { ModelCatalog, ModelInfo } from './contract.ts'

export interface CatalogIndex {
  /** The catalog entry for an id or alias, or undefined. */
  find: (model: string) => ModelInfo | undefined
  /** True when the provider serves the model: listed, aliased or matching a family pattern. */
  serves: (model: string) => boolean
}

/** Compiles `*` glob patterns into one anchored regular expression, built once at start-up. */
export function compileGlobs (patterns: readonly string[]): RegExp | undefined {
  if (patterns.length === 0) return undefined
  const alternatives = patterns.map((pattern) =>
    pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'))
  return new RegExp(`^(?:${alternatives.join('|')})$`)
}

export function indexCatalog (catalog: ModelCatalog): CatalogIndex {
  const byId = new Map<string, ModelInfo>()
  for (const model of catalog.models) {
    byId.set(model.id, model)
    for (const alias of model.aliases ?? []) byId.set(alias, model)
  }
  const families = compileGlobs(catalog.families)
  return {
    find: (model) => byId.get(model),
    serves: (model) => byId.has(model) || (families?.test(model) ?? false)
  }
}
