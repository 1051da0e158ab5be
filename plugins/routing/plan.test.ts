import t from 'tap'
import { createProviderRegistry } from '../provider-registry.ts'
import { definition as openai } from '../../providers/openai/definition.ts'
import { definition as groq } from '../../providers/groq/definition.ts'
import { definition as together } from '../../providers/together/definition.ts'
import { definition as mistral } from '../../providers/mistral/definition.ts'
import { GatewayError } from '../../src/canonical/errors.ts'
import { ConfigurationError } from '../../src/config/provider-settings.ts'
import { caught } from '../../test/helpers/gateway.ts'
import { createPlanner, type RoutePlan } from './plan.ts'

const KEYS = { OPENAI_API_KEY: 'k1', GROQ_API_KEY: 'k2', TOGETHER_API_KEY: 'k3', MISTRAL_API_KEY: 'k4' }

function planner (env: Record<string, string>, defaultProvider = 'openai', explicit = false): ReturnType<typeof createPlanner> {
  const registry = createProviderRegistry({ env, connectTimeoutMs: 1000 })
  t.teardown(registry.close)
  for (const definition of [openai, groq, together, mistral]) registry.add(definition)
  return createPlanner(registry.all(), { defaultProvider, defaultProviderExplicit: explicit })
}

function route (plan: RoutePlan): string[] {
  return plan.attempts.map((attempt) => `${attempt.provider.name}:${attempt.model}`)
}

t.test('a prefix pins one attempt, prefix stripped, the model map applied', async (t) => {
  const plans = planner({ ...KEYS, GROQ_MODEL_MAP: 'fast=llama-3.1-8b-instant' })
  t.same(route(plans.plan('groq:llama-3.3-70b-versatile')), ['groq:llama-3.3-70b-versatile'])
  t.ok(plans.plan('groq:fast').pinned)
  t.same(route(plans.plan('groq:fast')), ['groq:llama-3.1-8b-instant'])
  t.same(route(plans.plan('groq:not-in-catalog')), ['groq:not-in-catalog'], 'the client asked for it; the provider decides')
})

t.test('prefix errors name the prefix and the enabled providers', async (t) => {
  const plans = planner({ ...KEYS, TOGETHER_DISPATCH_MODE: 'off' })
  const off = caught(() => plans.plan('together:x'))
  t.ok(off instanceof GatewayError)
  t.match(off, { status: 400, code: 'provider_not_enabled', message: /together.*TOGETHER_DISPATCH_MODE is off.*Enabled providers: openai, groq, mistral\./ })
  t.match(caught(() => plans.plan('nosuch:model-x')), { status: 400, code: 'unknown_provider', message: /'nosuch'/ })
  t.match(caught(() => plans.plan('groq:')), { status: 400, message: /no model/ })
  t.same(route(plans.plan('ft:gpt-4o-mini:org::abc')).slice(0, 1), ['openai:ft:gpt-4o-mini:org::abc'], 'a colon inside a catalog model is not a prefix')
})

t.test('an owned model goes to its owner first, then the pool and the fallback chain with mapped models', async (t) => {
  const plans = planner(KEYS)
  const plan = plans.plan('llama-3.3-70b-versatile')
  t.equal(plan.rule, 'owned')
  t.same(route(plan), [
    'groq:llama-3.3-70b-versatile',
    `openai:${openai.defaultModel}`,
    `mistral:${mistral.defaultModel}`,
    `together:${together.defaultModel}`
  ])
})

t.test('exclusive takes all unprefixed traffic, mapped, with no fallback', async (t) => {
  const plans = planner({ ...KEYS, MISTRAL_DISPATCH_MODE: 'exclusive', MISTRAL_MODEL_MAP: 'gpt-4o=mistral-large-latest' })
  t.same(route(plans.plan('gpt-4o')), ['mistral:mistral-large-latest'])
  t.same(route(plans.plan('llama-3.3-70b-versatile')), [`mistral:${mistral.defaultModel}`])
  t.same(route(plans.plan('groq:llama-3.3-70b-versatile')), ['groq:llama-3.3-70b-versatile'], 'a prefix still pins')
  t.equal(plans.describe().exclusive, 'mistral')
})

t.test('the pool splits by weight and the rest follow as fallbacks in a stable order', async (t) => {
  const plans = planner({ ...KEYS, OPENAI_WEIGHT: '9', GROQ_DISPATCH_MODE: 'pooled', TOGETHER_WEIGHT: '5' })
  const firsts = Array.from({ length: 100 }, () => plans.plan('house-model').attempts[0]?.provider.name)
  t.equal(firsts.filter((name) => name === 'openai').length, 90)
  t.equal(firsts.filter((name) => name === 'groq').length, 10)
  const plan = plans.plan('house-model')
  t.equal(plan.rule, 'pool')
  t.same(plan.attempts.map((attempt) => attempt.provider.name).slice(2), ['together', 'mistral'], 'fallbacks by weight, then name')
  t.same(plans.describe(), { pool: [{ provider: 'openai', weight: 9 }, { provider: 'groq', weight: 1 }], fallback: ['together', 'mistral'] })
})

t.test('a default provider that is not enabled leaves the pool to pooled providers, or the chain', async (t) => {
  t.same(planner({ GROQ_API_KEY: 'k', GROQ_DISPATCH_MODE: 'pooled', MISTRAL_API_KEY: 'k' }).plan('house-model').attempts.map((attempt) => attempt.provider.name),
    ['groq', 'mistral'])
  t.same(planner({ MISTRAL_API_KEY: 'k', TOGETHER_API_KEY: 'k' }).plan('house-model').attempts.map((attempt) => attempt.provider.name),
    ['mistral', 'together'])
  t.match(caught(() => planner({}).plan('house-model')), { status: 503, code: 'no_provider_enabled' })
})

t.test('off providers never appear, whatever their key', async (t) => {
  const plans = planner({ ...KEYS, GROQ_DISPATCH_MODE: 'off' })
  for (const model of ['llama-3.3-70b-versatile', 'house-model', 'gpt-4o']) {
    t.notOk(plans.plan(model).attempts.some((attempt) => attempt.provider.name === 'groq'), model)
  }
})

t.test('start-up contradictions are configuration errors that say what to fix', async (t) => {
  const twoExclusive = caught(() => planner({ ...KEYS, GROQ_DISPATCH_MODE: 'exclusive', MISTRAL_DISPATCH_MODE: 'exclusive' }))
  t.ok(twoExclusive instanceof ConfigurationError)
  t.match(twoExclusive, { message: /GROQ_DISPATCH_MODE, MISTRAL_DISPATCH_MODE/ })
  t.match(caught(() => planner({ GROQ_DISPATCH_MODE: 'exclusive' })), { message: /GROQ_DISPATCH_MODE=exclusive but GROQ_API_KEY is not set/ })
  t.match(caught(() => planner(KEYS, 'nosuch', true)), { message: /DEFAULT_PROVIDER=nosuch names no installed provider/ })
  t.doesNotThrow(() => planner(KEYS, 'gemini', false), 'the built-in default may be missing until its plugin is installed')
})

t.test('plans are cached per model: the same fixed plan object comes back', async (t) => {
  const plans = planner(KEYS)
  t.equal(plans.plan('llama-3.3-70b-versatile'), plans.plan('llama-3.3-70b-versatile'))
})
