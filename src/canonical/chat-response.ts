import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './nullable.ts'
import { ToolCallSchema } from './chat-request.ts'
import { FinishReasonSchema } from './finish-reason.ts'
import { UsageSchema } from './usage.ts'

export const ResponseMessageSchema = Type.Object({
  role: Type.Literal('assistant'),
  content: Nullable(Type.String()),
  refusal: Nullable(Type.String()),
  tool_calls: Type.Optional(Type.Array(ToolCallSchema)),
  reasoning_content: Type.Optional(Type.String())
})

export const ChatResponseSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  choices: Type.Array(Type.Object({
    index: Type.Integer(),
    message: ResponseMessageSchema,
    finish_reason: FinishReasonSchema,
    logprobs: Type.Optional(Nullable(Type.Unknown()))
  })),
  usage: Type.Optional(UsageSchema),
  system_fingerprint: Type.Optional(Nullable(Type.String()))
})

export type ResponseMessage = Static<typeof ResponseMessageSchema>
export type ChatResponse = Static<typeof ChatResponseSchema>
