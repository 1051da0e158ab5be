import type { RegisteredProvider } from '../provider-registry.ts'
import { GatewayError, invalidRequest } from '../../src/canonical/errors.ts'
import { ConfigurationError, envPrefix } from '../../src/config/provider-settings.ts'
import { createWeightedRotation, type WeightedRotation } from './smooth-weighted-round-robin.ts'
import { compileGroup, type CompiledGroup, type MemberStatsStore } from './groups.ts'
import type { PlannedAttempt, RoutingRule, RoutePlan } from './plan-types.ts'
import type { GroupDeclaration } from '../../src/model-groups/group-file.ts'
import type { TokenEstimate } from '../../src/model-groups/strategy.ts'

export type { PlannedAttempt, RoutingRule, RoutePlan } from './plan-types.ts'

export interface PlannerOptions {
  defaultProvider: string
  /** DEFAULT_PROVIDER was set explicitly, so naming no installed provider is a configuration error. */
  defaultProviderExplicit: boolean
  /** Model groups (MODEL_GROUPS_FILE): a group's name is planned by its strategy, before any other rule. */
  groups?: Readonly<Record<string, GroupDeclaration>>
  /** Where group members' figures are kept across rebuilds. */
  memberStats?: MemberStatsStore
}

const NO_ESTIMATE = (): TokenEstimate => ({ prompt: 0, output: 0 })

/** A per-model entry, computed on first use and cached: either a fixed order or a weighted choice + the rest. */
type PlanEntry =
  | { kind: 'fixed', plan: RoutePlan }
  | { kind: 'rotating', rule: RoutingRule, members: readonly PlannedAttempt[], rotation: WeightedRotation, tail: readonly PlannedAttempt[] }

const PLAN_CACHE_LIMIT = 10_000

export interface Planner {
  /** `estimate`: the request's size, asked for only by a group with the `cost` strategy. */
  plan: (model: string, estimate?: () => TokenEstimate) => RoutePlan
  /** The model groups with at least one member enabled. */
  groups: () => readonly CompiledGroup[]
  /** The group a model name names, if any. */
  group: (name: string) => CompiledGroup | undefined
  /** Any group is declared: only then does a plan need the request's estimate. */
  readonly hasGroups: boolean
  /** Where unprefixed traffic goes, for start-up logs and docs: the exclusive provider or the pool and chain. */
  describe: () => { exclusive?: string, pool: Array<{ provider: string, weight: number }>, fallback: string[] }
}

/**
 * Contract §3, rules 1–5, from tables built once at start-up. Per request the work is one Map lookup, plus a
 * weighted pick and a small array for pool-routed models. `off` providers are not enabled, so never appear.
 */
export function createPlanner (providers: readonly RegisteredProvider[], options: PlannerOptions): Planner {
  const byName = new Map(providers.map((provider) => [provider.name, provider]))
  const enabled = providers.filter((provider) => provider.enabled)
  const enabledNames = enabled.map((provider) => provider.name).join(', ') || 'none'
  const exclusive = findExclusive(providers)

  if (options.defaultProviderExplicit && !byName.has(options.defaultProvider)) {
    throw new ConfigurationError(`Invalid configuration: DEFAULT_PROVIDER=${options.defaultProvider} names no installed provider ` +
      `(installed: ${providers.map((provider) => provider.name).join(', ') || 'none'})`)
  }
  const defaultProvider = enabled.find((provider) => provider.name === options.defaultProvider)
  const byWeightThenName = (a: RegisteredProvider, b: RegisteredProvider): number =>
    b.settings.weight - a.settings.weight || a.name.localeCompare(b.name)
  const pool = [
    ...(defaultProvider === undefined ? [] : [defaultProvider]),
    ...enabled.filter((provider) => provider.settings.dispatchMode === 'pooled' && provider !== defaultProvider).sort(byWeightThenName)
  ]
  const fallback = enabled
    .filter((provider) => provider.settings.dispatchMode === 'fallback' && provider !== defaultProvider)
    .sort(byWeightThenName)
  const cache = new Map<string, PlanEntry>()
  const memberStats = options.memberStats ?? new Map()
  const groups = new Map(Object.entries(options.groups ?? {}).map(([name, declaration]) => [name, compileGroup(name, declaration, byName, memberStats)]))

  function plan (model: string, estimate: () => TokenEstimate = NO_ESTIMATE): RoutePlan {
    if (groups.size > 0) {
      const group = groups.get(model)
      if (group !== undefined) return group.plan(estimate)
    }
    let entry = cache.get(model)
    if (entry === undefined) {
      entry = planEntry(model)
      if (cache.size >= PLAN_CACHE_LIMIT) cache.clear()
      cache.set(model, entry)
    }
    if (entry.kind === 'fixed') return entry.plan
    const chosen = entry.rotation.next()
    const attempts: PlannedAttempt[] = []
    const first = entry.members[chosen]
    if (first !== undefined) attempts.push(first)
    for (let index = 0; index < entry.members.length; index++) {
      const member = entry.members[index]
      if (index !== chosen && member !== undefined) attempts.push(member)
    }
    for (const attempt of entry.tail) attempts.push(attempt)
    return { attempts, rule: entry.rule, pinned: false }
  }

  function planEntry (model: string): PlanEntry {
    const colon = model.indexOf(':')
    if (colon > 0) {
      const prefix = model.slice(0, colon)
      const named = byName.get(prefix)
      if (named !== undefined) return { kind: 'fixed', plan: pinnedPlan(named, model.slice(colon + 1), model) }
      if (!enabled.some((provider) => provider.catalog.serves(model))) {
        throw invalidRequest(`Unknown provider prefix '${prefix}' in model '${model}'. Enabled providers: ${enabledNames}.`,
          'model', 'unknown_provider')
      }
    }
    if (enabled.length === 0) {
      throw new GatewayError('overloaded', 503, 'No provider is enabled on this gateway: set a <PROVIDER>_API_KEY.',
        { code: 'no_provider_enabled' })
    }
    if (exclusive !== undefined) {
      return { kind: 'fixed', plan: { attempts: [mapped(exclusive, model)], rule: 'exclusive', pinned: false } }
    }
    const owners = ownersOf(model)
    if (owners.length === 1 && owners[0] !== undefined) {
      const owner = owners[0]
      const attempts = dedupe([owner, ...pool, ...fallback]).map((provider) => mapped(provider, model))
      return { kind: 'fixed', plan: { attempts, rule: 'owned', pinned: false } }
    }
    // Several owners share the model by weight; no owner: the pool does. Either way the rest follow as fallbacks.
    const members = owners.length > 1 ? [...owners].sort(byWeightThenName) : pool
    const rule: RoutingRule = owners.length > 1 ? 'owned' : 'pool'
    const tail = dedupe([...members, ...pool, ...fallback]).slice(members.length).map((provider) => mapped(provider, model))
    if (members.length === 0) return { kind: 'fixed', plan: { attempts: tail, rule: 'pool', pinned: false } }
    return {
      kind: 'rotating',
      rule,
      members: members.map((provider) => mapped(provider, model)),
      rotation: createWeightedRotation(members.map((provider) => provider.settings.weight)),
      tail
    }
  }

  /**
   * The enabled providers that serve a model. While no provider's own model list names it, the catalogs decide
   * alone, as before discovery. Once one does: the default provider if it lists the model, else the providers whose
   * catalog lists it, else the one provider whose list names it; several lists and nothing else to go by is
   * ambiguous, a 400 naming the candidates and the prefix that picks one (docs/routing.md). A family pattern
   * (`claude-*`) is a guess, weaker than any list.
   */
  function ownersOf (model: string): RegisteredProvider[] {
    const owners = enabled.filter((provider) => provider.catalog.serves(model))
    if (owners.length < 2) return owners
    const listers = owners.filter((provider) => provider.catalog.find(model)?.source === 'discovered')
    if (listers.length === 0) return owners
    if (defaultProvider !== undefined && owners.includes(defaultProvider) && defaultProvider.catalog.find(model) !== undefined) return [defaultProvider]
    const byCatalog = owners.filter((provider) => { const source = provider.catalog.find(model)?.source; return source === 'catalog' || source === 'both' })
    if (byCatalog.length > 0) return byCatalog
    if (listers.length === 1) return listers
    throw invalidRequest(`The model '${model}' is listed by several providers (${listers.map((provider) => provider.name).join(', ')}); ` +
      `name one with a prefix: ${listers.map((provider) => `'${provider.name}:${model}'`).join(' or ')}.`, 'model', 'ambiguous_model')
  }

  function pinnedPlan (provider: RegisteredProvider, upstreamModel: string, model: string): RoutePlan {
    if (!provider.enabled) {
      const prefix = envPrefix(provider.name)
      throw invalidRequest(
        `Provider '${provider.name}' is not enabled (${provider.settings.dispatchMode === 'off' ? `${prefix}_DISPATCH_MODE is off` : `no ${prefix}_API_KEY`}). ` +
        `Enabled providers: ${enabledNames}.`, 'model', 'provider_not_enabled')
    }
    if (upstreamModel === '') throw invalidRequest(`Model '${model}' names a provider but no model.`, 'model')
    const renamed = provider.settings.modelMap[upstreamModel] ?? upstreamModel
    return { attempts: [{ provider, model: renamed }], rule: 'pin', pinned: true }
  }

  return {
    plan,
    groups: () => [...groups.values()].filter((group) => group.members.length > 0),
    group: (name) => groups.get(name),
    hasGroups: groups.size > 0,
    describe: () => ({
      ...(exclusive === undefined ? {} : { exclusive: exclusive.name }),
      pool: pool.map((provider) => ({ provider: provider.name, weight: provider.settings.weight })),
      fallback: fallback.map((provider) => provider.name)
    })
  }
}

/** Contract §4: a model the provider serves passes unchanged; otherwise its model map, else its default model. */
export function mapModel (provider: RegisteredProvider, model: string): string {
  if (provider.catalog.serves(model)) return model
  return provider.settings.modelMap[model] ?? provider.settings.defaultModel
}

function mapped (provider: RegisteredProvider, model: string): PlannedAttempt {
  return { provider, model: mapModel(provider, model) }
}

function dedupe (providers: readonly RegisteredProvider[]): RegisteredProvider[] {
  return [...new Set(providers)]
}

function findExclusive (providers: readonly RegisteredProvider[]): RegisteredProvider | undefined {
  const exclusive = providers.filter((provider) => provider.settings.dispatchMode === 'exclusive')
  if (exclusive.length > 1) {
    throw new ConfigurationError('Invalid configuration: only one provider may have DISPATCH_MODE=exclusive, but ' +
      `${exclusive.map((provider) => `${envPrefix(provider.name)}_DISPATCH_MODE`).join(', ')} are all set to exclusive`)
  }
  const only = exclusive[0]
  if (only !== undefined && !only.enabled) {
    throw new ConfigurationError(`Invalid configuration: ${envPrefix(only.name)}_DISPATCH_MODE=exclusive but ` +
      `${envPrefix(only.name)}_API_KEY is not set, so no provider could serve unprefixed traffic`)
  }
  return only
}
