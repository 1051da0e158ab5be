import { GatewayError } from '../../src/canonical/errors.ts'
import type { VirtualKey } from '../../src/governance/virtual-key.ts'
import type { RoutePlan } from '../routing/index.ts'

/**
 * The plan with only the attempts the key may make: its allowed providers, and models matching its patterns as
 * the client named them, as `provider:model`, or as sent upstream. None left: refused, naming the model.
 */
export function narrowPlan (plan: RoutePlan, key: VirtualKey, requestedModel: string): RoutePlan {
  if (key.providers === undefined && key.models === undefined) return plan
  const attempts = plan.attempts.filter(({ provider, model }) =>
    (key.providers === undefined || key.providers.has(provider.name)) &&
    (key.models === undefined || key.models.test(requestedModel) || key.models.test(`${provider.name}:${model}`) || key.models.test(model)))
  if (attempts.length === 0) {
    throw new GatewayError('permission', 403, `The key '${key.name}' may not use the model '${requestedModel}'.`, { code: 'model_not_allowed', param: 'model' })
  }
  return attempts.length === plan.attempts.length ? plan : narrowed(plan, attempts)
}

/** The plan without fallbacks to unpriced models, for a budgeted key that may not use them; refused when the first is one. */
export function pricedOnly (plan: RoutePlan, key: VirtualKey, requestedModel: string, unpriced: readonly string[]): RoutePlan {
  const isPriced = ({ provider, model }: RoutePlan['attempts'][number]): boolean => !unpriced.includes(`${provider.name}:${model}`)
  const attempts = plan.attempts.filter(isPriced)
  // The model asked for has no price: refused, not answered by a fallback's other model in its place.
  const first = plan.attempts[0]
  if (attempts.length === 0 || (first !== undefined && !isPriced(first))) {
    throw new GatewayError('permission', 403,
      `The key '${key.name}' has a budget and the model '${requestedModel}' has no known price, so its cost could not be counted; ` +
      'allow unpriced models on the key (allowUnpriced) or add a price (PRICING_FILE).', { code: 'model_not_priced', param: 'model' })
  }
  return narrowed(plan, attempts)
}

/** The plan with fewer attempts; an experiment whose arm was taken out is no longer what routed the request. */
function narrowed (plan: RoutePlan, attempts: RoutePlan['attempts']): RoutePlan {
  if (plan.experiment === undefined || attempts[0] === plan.attempts[0]) return { ...plan, attempts }
  const copy = { ...plan, attempts }
  Reflect.deleteProperty(copy, 'experiment')
  return copy
}
