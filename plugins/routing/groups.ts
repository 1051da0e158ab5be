import type { RegisteredProvider } from '../provider-registry.ts'
import { GatewayError } from '../../src/canonical/errors.ts'
import { ConfigurationError } from '../../src/config/provider-settings.ts'
import type { GroupDeclaration } from '../../src/model-groups/group-file.ts'
import { createMemberStats, type MemberStats } from '../../src/model-groups/member-stats.ts'
import { createChooser, type TokenEstimate } from '../../src/model-groups/strategy.ts'
import type { PlannedAttempt, RoutePlan } from './plan-types.ts'

export interface CompiledGroup {
  readonly name: string
  readonly strategy: GroupDeclaration['strategy']
  /** Members whose provider is enabled, in declared order. */
  readonly members: readonly PlannedAttempt[]
  plan: (estimate: () => TokenEstimate) => RoutePlan
  /** What the strategy knows of each member now, for the `x-switchyard-route` header. */
  describe: (now: number) => Array<Record<string, unknown>>
}

/** Each member's figures outlive a rebuild of the routing tables (a provider setting changed at run time). */
export type MemberStatsStore = Map<string, MemberStats>

/**
 * A group's members resolved against the installed providers: a member naming a provider that is not installed
 * stops start-up; one whose provider is not enabled is left out until it is.
 */
export function compileGroup (name: string, declaration: GroupDeclaration, byName: ReadonlyMap<string, RegisteredProvider>, stats: MemberStatsStore): CompiledGroup {
  const members: PlannedAttempt[] = []
  const weights: number[] = []
  for (const member of declaration.members) {
    const colon = member.model.indexOf(':')
    const providerName = member.model.slice(0, colon)
    const provider = byName.get(providerName)
    if (provider === undefined) {
      throw new ConfigurationError(`Invalid configuration: model group '${name}' names '${member.model}', but no provider '${providerName}' is installed`)
    }
    if (!provider.enabled) continue
    const key = `${name}\u0000${member.model}`
    let memberStats = stats.get(key)
    if (memberStats === undefined) {
      memberStats = createMemberStats()
      stats.set(key, memberStats)
    }
    members.push({ provider, model: member.model.slice(colon + 1), member: memberStats })
    weights.push(member.weight ?? 1)
  }
  const chooser = createChooser(declaration.strategy, members.map((member, index) => ({
    weight: weights[index] as number,
    stats: member.member as MemberStats,
    price: member.provider.prices.priceOf(member.model)?.price
  })))
  const stall = declaration.stallMs === undefined ? {} : { stallMs: declaration.stallMs }
  return {
    name,
    strategy: declaration.strategy,
    members,
    plan (estimate) {
      if (members.length === 0) {
        throw new GatewayError('overloaded', 503, `No provider of model group '${name}' is enabled.`, { code: 'no_provider_enabled' })
      }
      return { attempts: chooser.order(estimate, Date.now()).map((index) => members[index] as PlannedAttempt), rule: 'group', pinned: false, ...stall }
    },
    describe: (now) => members.map((member, index) => {
      const stats = member.member as MemberStats
      const price = member.provider.prices.priceOf(member.model)?.price
      return {
        member: `${member.provider.name}:${member.model}`,
        weight: weights[index],
        latencyMs: Math.round(stats.latencyMs(now)),
        inFlight: stats.inFlight,
        softFailureRate: Math.round(stats.softFailureRate * 1000) / 1000,
        ...(stats.softOpenUntil > now ? { softCircuitOpenForMs: stats.softOpenUntil - now } : {}),
        ...(price === undefined ? {} : { pricePer1M: { input: price.input, output: price.output } })
      }
    })
  }
}
