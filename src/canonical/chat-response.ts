import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './nullable.ts'
import { ToolCallSchema, type ToolCall } from './chat-request.ts'
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

/**
 * The assistant message a native provider's answer becomes: `content` null when there is no text beside tool
 * calls (as OpenAI sends it), `tool_calls` and `reasoning_content` only when there are some.
 */
export function assistantMessage (text: string, toolCalls: ToolCall[], reasoning: string, contentIsNull = text === '' && toolCalls.length > 0): ResponseMessage {
  const message: ResponseMessage = { role: 'assistant', content: contentIsNull ? null : text, refusal: null }
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  if (reasoning !== '') message.reasoning_content = reasoning
  return message
}
