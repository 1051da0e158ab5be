import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { notFound } from '../../src/canonical/errors.ts'
import { Nullable } from '../../src/canonical/nullable.ts'
import { ExperimentSchema as ExperimentDeclarationSchema, type Experiment, type ExperimentDeclaration } from '../../src/experiments/experiment-file.ts'
import { experimentResults } from '../../src/experiments/results.ts'

const DifferenceSchema = Nullable(Type.Object({ difference: Type.Number(), low: Type.Number(), high: Type.Number(), significant: Type.Boolean() }))
const Spread = (schema: TSchema) => Type.Object({ mean: Nullable(schema), p50: Nullable(schema), p95: Nullable(schema) })

const ArmResultSchema = Type.Object({
  arm: Type.String(),
  model: Type.String(),
  weight: Type.Number(),
  requests: Type.Integer(),
  answeredByArm: Type.Integer(),
  errorRate: Nullable(Type.Number()),
  softFailureRate: Nullable(Type.Number()),
  latencyMs: Spread(Type.Number()),
  timeToFirstTokenMs: Spread(Type.Number()),
  tokensIn: Type.Integer(),
  tokensOut: Type.Integer(),
  costPerRequest: Nullable(Type.Number()),
  vsControl: Type.Optional(Type.Object({
    errorRate: DifferenceSchema,
    softFailureRate: DifferenceSchema,
    latencyMs: DifferenceSchema,
    timeToFirstTokenMs: DifferenceSchema,
    costPerRequest: DifferenceSchema
  }))
})

const ExperimentSchema = Type.Object({
  name: Type.String(),
  source: Type.Union([Type.Literal('file'), Type.Literal('api')]),
  model: Type.String(),
  stickiness: Type.String(),
  start: Nullable(Type.String()),
  end: Nullable(Type.String()),
  running: Type.Boolean(),
  arms: Type.Array(Type.Object({ name: Type.String(), model: Type.String(), weight: Type.Number() }))
})

const NameParams = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 100 }) })

const describe = (experiment: Experiment, source: 'file' | 'api', now: number) => ({
  name: experiment.name,
  source,
  model: experiment.model,
  stickiness: experiment.stickiness,
  start: Number.isFinite(experiment.startMs) ? new Date(experiment.startMs).toISOString() : null,
  end: Number.isFinite(experiment.endMs) ? new Date(experiment.endMs).toISOString() : null,
  running: experiment.startMs <= now && now < experiment.endMs,
  arms: experiment.arms.map((arm) => ({ ...arm }))
})

/** `/providers/experiments`: the A/B experiments declared, and each one's results per arm from the store. */
export function registerExperimentRoutes (app: FastifyInstance): void {
  const sourceOf = (name: string): 'file' | 'api' => app.router.sourceOf('experiment', name) ?? 'api'

  app.put('/providers/experiments/:name', { schema: { params: NameParams, body: ExperimentDeclarationSchema, response: { 200: ExperimentSchema } } }, async (request) => {
    const { name } = request.params as { name: string }
    await app.routingDeclarations.putExperiment(name, request.body as ExperimentDeclaration)
    const experiment = app.router.experiments().find((candidate) => candidate.name === name) as Experiment
    return describe(experiment, 'api', Date.now())
  })

  app.delete('/providers/experiments/:name', { schema: { params: NameParams } }, async (request, reply) => {
    const { name } = request.params as { name: string }
    if (!await app.routingDeclarations.deleteExperiment(name)) throw notFound(`No experiment '${name}' was declared through the admin API.`, 'experiment_not_found')
    return reply.code(204).send()
  })

  app.get('/providers/experiments', { schema: { response: { 200: Type.Object({ experiments: Type.Array(ExperimentSchema) }) } } }, async () => {
    const now = Date.now()
    return { experiments: app.router.experiments().map((experiment) => describe(experiment, sourceOf(experiment.name), now)) }
  })

  app.get('/providers/experiments/:name', {
    schema: {
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
      response: { 200: Type.Composite([ExperimentSchema, Type.Object({ control: Type.String(), results: Type.Array(ArmResultSchema) })]) }
    }
  }, async (request) => {
    const { name } = request.params as { name: string }
    const experiment = app.router.experiments().find((candidate) => candidate.name === name)
    if (experiment === undefined) throw notFound(`No experiment '${name}'.`, 'experiment_not_found')
    // Rows still waiting for the store's next batch are counted too.
    await app.store.flush()
    return {
      ...describe(experiment, sourceOf(name), Date.now()),
      control: (experiment.arms[0] as Experiment['arms'][number]).name,
      results: experimentResults(experiment, await app.store.experimentArms(name))
    }
  })
}
