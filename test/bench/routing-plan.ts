import { createProviderRegistry } from '../../plugins/provider-registry.ts'
import { createPlanner } from '../../plugins/routing/plan.ts'
import { createExperimentRouting } from '../../plugins/routing/experiments.ts'
import type { FastifyRequest } from 'fastify'
import { definition as openai } from '../../providers/openai/definition.ts'
import { definition as groq } from '../../providers/groq/definition.ts'
import { definition as together } from '../../providers/together/definition.ts'
import { definition as mistral } from '../../providers/mistral/definition.ts'

// Microbenchmark of the routing decision (issue: routing plugin, target < 5 µs per request). Not a test: run it
// with `npm run bench:routing`. Every provider enabled, a weighted pool, a fallback chain.

const registry = createProviderRegistry({
  env: {
    OPENAI_API_KEY: 'k', GROQ_API_KEY: 'k', TOGETHER_API_KEY: 'k', MISTRAL_API_KEY: 'k',
    OPENAI_WEIGHT: '9', GROQ_DISPATCH_MODE: 'pooled', MISTRAL_MODEL_MAP: 'gpt-4o=mistral-large-latest'
  },
  connectTimeoutMs: 1000
})
for (const definition of [openai, groq, together, mistral]) registry.add(definition)
const members = [{ model: 'groq:llama-3.3-70b-versatile' }, { model: 'together:meta-llama/Llama-3.3-70B-Instruct-Turbo' }, { model: 'openai:gpt-4o-mini' }]
const planner = createPlanner(registry.all(), {
  defaultProvider: 'openai',
  defaultProviderExplicit: true,
  groups: {
    fast: { strategy: 'latency', members },
    cheap: { strategy: 'cost', members },
    spread: { strategy: 'weighted', members },
    idle: { strategy: 'least-busy', members }
  }
})
const estimate = (): { prompt: number, output: number } => ({ prompt: 1000, output: 500 })

const cases = {
  'prefix pin': 'groq:llama-3.3-70b-versatile',
  'owned model': 'mistral-large-latest',
  'weighted pool': 'house-model',
  'colon model': 'ft:gpt-4o-mini:org::abc',
  'group, latency (3 members)': 'fast',
  'group, cost (3 members)': 'cheap',
  'group, weighted (3 members)': 'spread',
  'group, least-busy (3 members)': 'idle'
}
const iterations = 1_000_000
const results: Array<{ case: string, nsPerPlan: number }> = []
let sink = 0
for (const [name, model] of Object.entries(cases)) {
  for (let warm = 0; warm < 50_000; warm++) sink += planner.plan(model, estimate).attempts.length
  const started = process.hrtime.bigint()
  for (let index = 0; index < iterations; index++) sink += planner.plan(model, estimate).attempts.length
  results.push({ case: name, nsPerPlan: Number(process.hrtime.bigint() - started) / iterations })
}

// An experiment's share of a plan: the arm (a hash of the user), its pinned attempt and the base plan behind it.
const experiments = createExperimentRouting([
  { name: 'ab', model: 'fast', stickiness: 'user', startMs: -Infinity, endMs: Infinity, arms: [{ name: 'a', model: 'groq:llama-3.3-70b-versatile', weight: 80 }, { name: 'b', model: 'openai:gpt-4o-mini', weight: 20 }] }
], new Map(registry.all().map((provider) => [provider.name, provider])))
const requests = Array.from({ length: 1024 }, (_, index) => ({ body: { user: `user-${index}` }, headers: {}, virtualKey: null }) as unknown as FastifyRequest)
const pinned = (model: string) => planner.plan(model)
for (let round = 0; round < 2; round++) {
  const started = process.hrtime.bigint()
  for (let index = 0; index < iterations; index++) {
    const request = requests[index & 1023] as FastifyRequest
    sink += experiments.apply(request, 'fast', planner.plan('fast', estimate), pinned, 0).attempts.length
  }
  if (round === 1) results.push({ case: 'group, latency, with an A/B experiment by user', nsPerPlan: Number(process.hrtime.bigint() - started) / iterations })
}
await registry.close()

console.log('| routing case | ns per plan |\n|---|---:|')
for (const result of results) console.log(`| ${result.case} | ${result.nsPerPlan.toFixed(0)} |`)
if (sink === 0) console.log('(no attempts planned)')
