import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './nullable.ts'
import { FinishReasonSchema } from './finish-reason.ts'
import { UsageSchema } from './usage.ts'

export const ToolCallDeltaSchema = Type.Object({
  index: Type.Integer(),
  id: Type.Optional(Type.String()),
  type: Type.Optional(Type.Literal('function')),
  function: Type.Optional(Type.Object({
    name: Type.Optional(Type.String()),
    arguments: Type.Optional(Type.String())
  }))
})

export const ChunkDeltaSchema = Type.Object({
  role: Type.Optional(Type.Literal('assistant')),
  content: Type.Optional(Nullable(Type.String())),
  refusal: Type.Optional(Nullable(Type.String())),
  reasoning_content: Type.Optional(Type.String()),
  tool_calls: Type.Optional(Type.Array(ToolCallDeltaSchema))
})

export const ChunkChoiceSchema = Type.Object({
  index: Type.Integer(),
  delta: ChunkDeltaSchema,
  finish_reason: Nullable(FinishReasonSchema),
  logprobs: Type.Optional(Nullable(Type.Unknown()))
})

/**
 * One canonical stream chunk (OpenAI `chat.completion.chunk`). Usage travels on a chunk whose `choices` is empty;
 * the ingress encoder decides whether and where the client sees it.
 */
export const ChatChunkSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion.chunk'),
  created: Type.Integer(),
  model: Type.String(),
  choices: Type.Array(ChunkChoiceSchema),
  usage: Type.Optional(Nullable(UsageSchema)),
  system_fingerprint: Type.Optional(Nullable(Type.String()))
})

export type ToolCallDelta = Static<typeof ToolCallDeltaSchema>
export type ChunkDelta = Static<typeof ChunkDeltaSchema>
export type ChunkChoice = Static<typeof ChunkChoiceSchema>
export type ChatChunk = Static<typeof ChatChunkSchema>
