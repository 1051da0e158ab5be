import type { FastifyRequest } from 'fastify'
import type { RegisteredProvider } from '../provider-registry.ts'
import { ConfigurationError } from '../../src/config/provider-settings.ts'
import { firstHeaderValue, presentedToken } from '../../src/http/headers.ts'
import { assignArm } from '../../src/experiments/assignment.ts'
import type { Experiment } from '../../src/experiments/experiment-file.ts'
import type { PlannedAttempt, RoutePlan } from './plan-types.ts'

export interface ExperimentRouting {
  /** Experiments by the model name they split, for the results endpoint too. */
  readonly all: readonly Experiment[]
  /**
   * `base` with the request's arm first and the rest of `base` behind it as fallbacks, or `base` itself when no
   * experiment running now splits the model (or the arm's provider is not enabled).
   */
  apply: (request: FastifyRequest, model: string, base: RoutePlan, pinnedPlan: (model: string) => RoutePlan, now: number) => RoutePlan
}

/** Every arm must name an installed provider; one that is not enabled (now) is served by the plan without the experiment. */
export function createExperimentRouting (experiments: readonly Experiment[], byName: ReadonlyMap<string, RegisteredProvider>): ExperimentRouting {
  const byModel = new Map<string, Experiment[]>()
  for (const experiment of experiments) {
    for (const arm of experiment.arms) {
      const provider = arm.model.slice(0, arm.model.indexOf(':'))
      if (!byName.has(provider)) {
        throw new ConfigurationError(`Invalid configuration: experiment '${experiment.name}' arm '${arm.name}' names '${arm.model}', but no provider '${provider}' is installed`)
      }
    }
    const list = byModel.get(experiment.model) ?? []
    list.push(experiment)
    byModel.set(experiment.model, list)
  }

  return {
    all: experiments,
    apply (request, model, base, pinnedPlan, now) {
      if (byModel.size === 0) return base
      const experiment = byModel.get(model)?.find((candidate) => candidate.startMs <= now && now < candidate.endMs)
      if (experiment === undefined) return base
      const arm = assignArm(experiment, stickyValue(request, experiment.stickiness))
      const provider = byName.get(arm.model.slice(0, arm.model.indexOf(':')))
      if (provider?.enabled !== true) return base
      const first = pinnedPlan(arm.model).attempts[0] as PlannedAttempt
      const rest = base.attempts.filter((attempt) => attempt.provider !== first.provider || attempt.model !== first.model)
      return { ...base, attempts: [first, ...rest], pinned: false, experiment: { name: experiment.name, arm: arm.name } }
    }
  }
}

/** What keeps a caller in one arm; undefined when the request does not carry it. */
function stickyValue (request: FastifyRequest, stickiness: Experiment['stickiness']): string | undefined {
  if (stickiness === 'key') return request.virtualKey?.id ?? presentedToken(request.headers, true)
  if (stickiness === 'user') {
    // OpenAI's `user`, Anthropic's `metadata.user_id`.
    const body = request.body as { user?: unknown, metadata?: { user_id?: unknown } } | null
    const user = body?.user ?? body?.metadata?.user_id
    return typeof user === 'string' && user !== '' ? user : undefined
  }
  return firstHeaderValue(request.headers[stickiness.slice('header:'.length).toLowerCase()])
}
