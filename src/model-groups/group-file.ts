import { Type, type Static } from '@sinclair/typebox'
import { readSettingFile } from '../config/setting-file.ts'

export const STRATEGIES = ['weighted', 'latency', 'cost', 'least-busy', 'ordered'] as const
export type Strategy = (typeof STRATEGIES)[number]

const MemberSchema = Type.Object({
  /** `provider:model`, the model as the provider names it. */
  model: Type.String({ pattern: '^[a-z][a-z0-9-]*:.+$' }),
  weight: Type.Optional(Type.Number({ minimum: 0 }))
}, { additionalProperties: false })

export const GroupSchema = Type.Object({
  strategy: Type.Union(STRATEGIES.map((strategy) => Type.Literal(strategy))),
  members: Type.Array(MemberSchema, { minItems: 1, maxItems: 50 }),
  /** A stream that pauses longer than this between chunks is a soft failure of its member. */
  stallMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 }))
}, { additionalProperties: false })

/** `MODEL_GROUPS_FILE`: model names that several providers serve, each with its strategy. */
export const ModelGroupsFileSchema = Type.Object({
  groups: Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', maxLength: 100 }), GroupSchema)
}, { additionalProperties: false })

export type ModelGroupsFile = Static<typeof ModelGroupsFileSchema>
export type GroupDeclaration = Static<typeof GroupSchema>

export async function loadModelGroups (file: string | undefined): Promise<ModelGroupsFile> {
  return file === undefined ? { groups: {} } : await readSettingFile('MODEL_GROUPS_FILE', file, ModelGroupsFileSchema)
}
