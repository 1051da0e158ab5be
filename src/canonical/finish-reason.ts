import { Type, type Static } from '@sinclair/typebox'

export const FinishReasonSchema = Type.Union([
  Type.Literal('stop'),
  Type.Literal('length'),
  Type.Literal('tool_calls'),
  Type.Literal('content_filter'),
  Type.Literal('function_call')
])

export type FinishReason = Static<typeof FinishReasonSchema>
