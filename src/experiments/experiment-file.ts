import { Type, type Static } from '@sinclair/typebox'
import { readSettingFile } from '../config/setting-file.ts'
import { ConfigurationError } from '../config/provider-settings.ts'

// A date and time with its offset, as `2026-12-01T09:00:00Z`.
const ISO_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$'

const ArmSchema = Type.Object({
  /** How the arm is named in headers and results; defaults to its model. */
  name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$', maxLength: 100 })),
  /** `provider:model`, the model as the provider names it. */
  model: Type.String({ pattern: '^[a-z][a-z0-9-]*:.+$', maxLength: 200 }),
  weight: Type.Number({ exclusiveMinimum: 0 })
}, { additionalProperties: false })

export const ExperimentSchema = Type.Object({
  /** The model name (or model group) clients ask for that the experiment splits. */
  model: Type.String({ minLength: 1, maxLength: 200 }),
  arms: Type.Array(ArmSchema, { minItems: 2, maxItems: 20 }),
  /** ISO 8601 times; without them the experiment runs from start-up and does not end. */
  start: Type.Optional(Type.String({ pattern: ISO_TIME })),
  end: Type.Optional(Type.String({ pattern: ISO_TIME })),
  /** What keeps one caller in one arm: the client's key, the request's `user`, or a header (`header:x-session-id`). */
  stickiness: Type.Union([Type.Literal('key'), Type.Literal('user'), Type.String({ pattern: '^header:[A-Za-z0-9-]{1,100}$' })])
}, { additionalProperties: false })

/** `EXPERIMENTS_FILE`: A/B experiments, each splitting one model name between arms (docs/routing.md, Experiments). */
export const ExperimentsFileSchema = Type.Object({
  experiments: Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 100 }), ExperimentSchema)
}, { additionalProperties: false })

export type ExperimentDeclaration = Static<typeof ExperimentSchema>

/** An experiment as routing uses it: times as epoch ms, arms named. */
export interface Experiment {
  readonly name: string
  readonly model: string
  readonly arms: ReadonlyArray<{ name: string, model: string, weight: number }>
  readonly startMs: number
  readonly endMs: number
  readonly stickiness: ExperimentDeclaration['stickiness']
}

export async function loadExperiments (file: string | undefined): Promise<Experiment[]> {
  if (file === undefined) return []
  const { experiments } = await readSettingFile('EXPERIMENTS_FILE', file, ExperimentsFileSchema)
  return checkExperiments(Object.entries(experiments).map(([name, declaration]) => experimentOf(name, declaration)))
}

/** A declaration (from the file or the admin API) as routing uses it; a start after its end is refused. */
export function experimentOf (name: string, declaration: ExperimentDeclaration): Experiment {
  const startMs = declaration.start === undefined ? -Infinity : Date.parse(declaration.start)
  const endMs = declaration.end === undefined ? Infinity : Date.parse(declaration.end)
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) throw new ConfigurationError(`Invalid configuration: experiment '${name}' has a start or end that is no date`)
  if (!(startMs < endMs)) throw new ConfigurationError(`Invalid configuration: experiment '${name}' ends before it starts`)
  const arms = declaration.arms.map((arm) => ({ name: arm.name ?? arm.model, model: arm.model, weight: arm.weight }))
  if (new Set(arms.map((arm) => arm.name)).size !== arms.length) {
    throw new ConfigurationError(`Invalid configuration: experiment '${name}' names two arms alike`)
  }
  return { name, model: declaration.model, arms, startMs, endMs, stickiness: declaration.stickiness }
}

/** Two experiments on one model at the same time would each claim its traffic: refused, naming both. */
export function checkExperiments (experiments: Experiment[]): Experiment[] {
  for (const [index, one] of experiments.entries()) {
    for (const other of experiments.slice(index + 1)) {
      if (one.model === other.model && one.startMs < other.endMs && other.startMs < one.endMs) {
        throw new ConfigurationError(`Invalid configuration: experiments '${one.name}' and '${other.name}' both split model '${one.model}' at the same time`)
      }
    }
  }
  return experiments
}
