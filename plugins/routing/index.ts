import fp from 'fastify-plugin'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { RegisteredProvider } from '../provider-registry.ts'
import type { ChatRequest } from '../../src/canonical/chat-request.ts'
import type { ProviderTarget } from '../../src/call/types.ts'
import { createPlanner, type Planner, type RoutePlan } from './plan.ts'
import { canonicalCall, executePlan, type AttemptCall, type Executed, type ExecuteOptions, type ProviderRuntime } from './execute.ts'
import type { Admission } from '../../src/provider-limits/admission.ts'
import type { GroupDeclaration, ModelGroupsFile } from '../../src/model-groups/group-file.ts'
import { checkExperiments, type Experiment } from '../../src/experiments/experiment-file.ts'
import { createExperimentRouting, type ExperimentRouting } from './experiments.ts'
import type { TokenEstimate } from '../../src/model-groups/strategy.ts'
import type { CompiledGroup, MemberStatsStore } from './groups.ts'
import { createProviderHealth, DEFAULT_HEALTH_POLICY, type HealthPolicy, type HealthSnapshot, type Transition } from './provider-health.ts'

export type { RoutePlan, PlannedAttempt } from './plan.ts'
export type { AttemptCall, Executed } from './execute.ts'
export { canonicalCall } from './execute.ts'
export type { CircuitState, HealthSnapshot, Transition } from './provider-health.ts'

export interface Router {
  /** The ordered attempts for a requested model (contract §3); throws a 400 for unknown or disabled prefixes. */
  plan: (model: string) => RoutePlan
  /**
   * The request's plan, made once: a hook that needs it before the handler (a virtual key's allowed providers,
   * its budget reservation) and the handler share it, and a weighted pool advances once per request.
   */
  planFor: (request: FastifyRequest, model: string) => RoutePlan
  /** Runs a plan with fallback, cooldowns and circuit breakers; attempts are appended to `options.record`. */
  execute: (plan: RoutePlan, request: ChatRequest, options: ExecuteOptions) => Promise<Executed>
  /** The same, with the caller's own call per attempt (an ingress that can pass a request through as it is). */
  executeWith: <T>(plan: RoutePlan, options: ExecuteOptions, call: AttemptCall<T>) => Promise<Executed<T>>
  /** Circuit and cooldown state of each enabled provider. */
  health: (provider: string) => HealthSnapshot | undefined
  /** An enabled provider's call target, for the rare call that is not a plan (token counting). */
  target: (provider: string) => ProviderTarget | undefined
  /** Rebuilds the routing tables from the registry, after a provider's settings changed at run time. */
  reload: () => void
  /** Counts the rebuilds of the routing tables: what is listed of them (`/v1/models`) is rebuilt when it moves. */
  readonly version: number
  /** Told of every provider's health transition (after it is logged). */
  onTransition: (listener: (transition: Transition) => void) => void
  /** A cooldown or open circuit another replica saw, in force here too (see provider-health.ts `impose`). */
  impose: (provider: string, kind: 'cooldown' | 'open', until: number) => void
  /** The A/B experiments declared (EXPERIMENTS_FILE, then the admin API), running or not. */
  experiments: () => readonly Experiment[]
  /** Every model group declared, from the file and through the admin API, enabled members or not. */
  groupDeclarations: () => ReadonlyArray<{ name: string, declaration: GroupDeclaration, source: DeclarationSource }>
  /** Where a group or experiment of this name is declared, if it is. */
  sourceOf: (kind: 'group' | 'experiment', name: string) => DeclarationSource | undefined
  /**
   * Puts the groups and experiments declared through the admin API in force, over those of the files. A set that
   * would leave routing invalid (an unknown provider, two experiments on one model at once) is refused, and the
   * previous set stays in force.
   */
  declare: (declared: RuntimeDeclarations) => void
  /** The model groups that have a member enabled, for `/v1/models`. */
  groups: () => readonly CompiledGroup[]
  /** Rate limits and the admission queue (plugins/provider-limits), consulted before every attempt from now on. */
  useAdmission: (admission: Admission) => void
}

export type DeclarationSource = 'file' | 'api'

/** Model groups and experiments declared at run time (plugins/routing-declarations.ts). */
export interface RuntimeDeclarations {
  groups: Readonly<Record<string, GroupDeclaration>>
  experiments: readonly Experiment[]
}

export interface RoutingOptions {
  defaultProvider: string
  defaultProviderExplicit: boolean
  health?: Partial<HealthPolicy>
  groups?: ModelGroupsFile['groups']
  experiments?: readonly Experiment[]
  /** Send `x-switchyard-route` on every response, not only to a client that shows the admin key. */
  explainRoutes?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    router: Router
  }
  interface FastifyRequest {
    /** Set by `router.planFor`, or narrowed by a hook before the handler runs. */
    routePlan: RoutePlan | null
  }
}

/** Builds the routing tables and provider runtimes once, when every provider plugin has registered. */
const routing: FastifyPluginAsync<RoutingOptions> = async (app, options) => {
  const policy: HealthPolicy = { ...DEFAULT_HEALTH_POLICY, ...options.health }
  const runtimes = new Map<string, ProviderRuntime>()
  const transitionListeners: Array<(transition: Transition) => void> = []
  let planner: Planner | undefined
  let admission: Admission | undefined
  let experiments: ExperimentRouting | undefined
  let declared: RuntimeDeclarations = { groups: {}, experiments: [] }
  let version = 0
  const fileGroups = options.groups ?? {}
  const fileExperiments = options.experiments ?? []
  const memberStats: MemberStatsStore = new Map()

  const runtimeOf = (name: string): ProviderRuntime => {
    const runtime = runtimes.get(name)
    if (runtime === undefined) throw new Error(`provider ${name} has no runtime: it is not enabled`)
    return runtime
  }

  const plan = (model: string): RoutePlan => {
    if (planner === undefined) throw new Error('routing used before the app was ready')
    return planner.plan(model)
  }
  app.decorateRequest('routePlan', null)
  app.decorate('router', {
    plan,
    planFor: (request, model) => {
      if (request.routePlan !== null) return request.routePlan
      // The estimate is a closure per request, made only when a group's `cost` strategy could ask for it.
      const base = planner?.hasGroups === true ? planner.plan(model, () => estimateOf(request)) : plan(model)
      const chosen = experiments === undefined ? base : experiments.apply(request, model, base, plan, Date.now())
      request.routePlan = wantsExplanation(request) ? { ...chosen, explanation: explain(model, chosen) } : chosen
      return request.routePlan
    },
    experiments: () => experiments?.all ?? [],
    groupDeclarations: () => [
      ...Object.entries(fileGroups).map(([name, declaration]) => ({ name, declaration, source: 'file' as const })),
      ...Object.entries(declared.groups).map(([name, declaration]) => ({ name, declaration, source: 'api' as const }))
    ],
    sourceOf: (kind, name) => kind === 'group'
      ? Object.hasOwn(fileGroups, name) ? 'file' : Object.hasOwn(declared.groups, name) ? 'api' : undefined
      : fileExperiments.some((experiment) => experiment.name === name) ? 'file' : declared.experiments.some((experiment) => experiment.name === name) ? 'api' : undefined,
    declare: (next) => {
      const previous = declared
      declared = next
      try {
        build()
      } catch (error) {
        declared = previous
        build()
        throw error
      }
    },
    groups: () => planner?.groups() ?? [],
    execute: (plan, request, callOptions) => executePlan(plan, callOptions, runtimeOf, canonicalCall(request), admission),
    executeWith: (plan, callOptions, call) => executePlan(plan, callOptions, runtimeOf, call, admission),
    health: (name) => runtimes.get(name)?.health.snapshot(Date.now()),
    target: (name) => runtimes.get(name)?.target,
    reload: build,
    get version () { return version },
    onTransition: (listener) => { transitionListeners.push(listener) },
    impose: (name, kind, until) => { runtimes.get(name)?.health.impose(kind, until, Date.now()) },
    useAdmission: (next) => {
      admission = next
      for (const [name, runtime] of runtimes) runtime.limiter = next.limiterOf(name)
    }
  } satisfies Router)

  /** `x-switchyard-route` is sent to every client (EXPLAIN_ROUTES), or to one whose `x-switchyard-explain` header holds the admin key. */
  function wantsExplanation (request: FastifyRequest): boolean {
    if (options.explainRoutes === true) return true
    const asked = request.headers['x-switchyard-explain']
    return typeof asked === 'string' && app.clientAuth.isAdminToken(asked)
  }

  /** Why the plan is in its order, as the strategy saw it when it chose. */
  function explain (model: string, chosen: RoutePlan): Record<string, unknown> {
    const group = planner?.group(model)
    return {
      rule: chosen.rule,
      ...(group === undefined ? {} : { group: group.name, strategy: group.strategy, members: group.describe(Date.now()) }),
      ...(chosen.experiment === undefined ? {} : { experiment: chosen.experiment.name, arm: chosen.experiment.arm }),
      order: chosen.attempts.map((attempt) => `${attempt.provider.name}:${attempt.model}`)
    }
  }

  /** The planner, and a runtime for each enabled provider (kept, with its health, when it is disabled again). */
  function build (): void {
    // A name declared in a file is not declared again through the admin API (plugins/routing-declarations.ts refuses it).
    const next = createPlanner(app.providers.all(), { ...options, groups: { ...declared.groups, ...fileGroups }, memberStats })
    const running = checkExperiments([...fileExperiments, ...declared.experiments])
    const nextExperiments = running.length === 0 ? undefined : createExperimentRouting(running, new Map(app.providers.all().map((provider) => [provider.name, provider])))
    for (const provider of app.providers.enabled()) {
      if (runtimes.has(provider.name)) continue
      runtimes.set(provider.name, {
        target: toTarget(provider, app.providers.secrets()),
        limiter: admission?.limiterOf(provider.name),
        health: createProviderHealth(provider.name, policy, (transition) => {
          app.log.warn(transition, `provider ${transition.provider}: ${transition.from} → ${transition.to} (${transition.reason})`)
          for (const listener of transitionListeners) listener(transition)
        })
      })
    }
    planner = next
    experiments = nextExperiments
    version++
  }

  app.addHook('onReady', async () => {
    build()
    if (planner === undefined) return
    if (app.providers.get(options.defaultProvider) === undefined) {
      app.log.warn({ defaultProvider: options.defaultProvider },
        'DEFAULT_PROVIDER names no installed provider; unprefixed models go to the pooled and fallback providers')
    }
    app.log.info(planner.describe(), 'routing for unprefixed models')
  })
}

// Without max_tokens, the cost strategy prices an answer of this many tokens.
const UNSTATED_OUTPUT_TOKENS = 512

/** A request's size for the cost strategy: the body's bytes at four a token, and the output it asks for. */
function estimateOf (request: FastifyRequest): TokenEstimate {
  const body = request.body as { max_tokens?: unknown, max_completion_tokens?: unknown } | null
  const asked = body?.max_completion_tokens ?? body?.max_tokens
  return {
    prompt: Math.ceil((Number(request.headers['content-length']) || 0) / 4),
    output: typeof asked === 'number' ? asked : UNSTATED_OUTPUT_TOKENS
  }
}

function toTarget (provider: RegisteredProvider, secrets: readonly string[]): ProviderRuntime['target'] {
  if (provider.upstream === undefined) throw new Error(`provider ${provider.name} has no upstream client`)
  return { name: provider.name, definition: provider.definition, upstream: provider.upstream, headers: provider.headers, secrets }
}

export default fp(routing, { name: 'routing', fastify: '5.x', dependencies: ['provider-registry'] })
