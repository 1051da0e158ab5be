import type { RegisteredProvider } from '../provider-registry.ts'
import type { MemberStats } from '../../src/model-groups/member-stats.ts'

// The shapes of a routing plan, apart from the planner so that model groups (groups.ts) can build plans too.

export interface PlannedAttempt {
  readonly provider: RegisteredProvider
  /** The model to send upstream: prefix stripped and mapped for this provider (contract §4). */
  readonly model: string
  /** A model group's member: what its strategy knows of it, told how each attempt went. */
  readonly member?: MemberStats
}

export type RoutingRule = 'pin' | 'exclusive' | 'owned' | 'pool' | 'group'

export interface RoutePlan {
  /** In order; the first is the chosen provider, the rest its fallbacks. */
  readonly attempts: readonly PlannedAttempt[]
  readonly rule: RoutingRule
  /** The client named the provider: no fallback, and cooldowns do not apply. */
  readonly pinned: boolean
  /** A model group's stall threshold: a stream pausing longer between chunks is a soft failure. */
  readonly stallMs?: number
  /** The A/B experiment that put its arm first (docs/routing.md, Experiments). */
  readonly experiment?: { readonly name: string, readonly arm: string }
  /** Why the plan is in this order, made only when the client asked for `x-switchyard-route`. */
  readonly explanation?: Readonly<Record<string, unknown>>
}
