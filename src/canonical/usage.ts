import { Type, type Static } from '@sinclair/typebox'

export const UsageSchema = Type.Object({
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  prompt_tokens_details: Type.Optional(Type.Object({
    cached_tokens: Type.Optional(Type.Integer()),
    cache_write_tokens: Type.Optional(Type.Integer()),
    audio_tokens: Type.Optional(Type.Integer())
  })),
  completion_tokens_details: Type.Optional(Type.Object({
    reasoning_tokens: Type.Optional(Type.Integer()),
    audio_tokens: Type.Optional(Type.Integer()),
    accepted_prediction_tokens: Type.Optional(Type.Integer()),
    rejected_prediction_tokens: Type.Optional(Type.Integer())
  }))
})

export type Usage = Static<typeof UsageSchema>

export function createUsage (promptTokens: number, completionTokens: number, cachedTokens?: number): Usage {
  const usage: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens
  }
  if (cachedTokens !== undefined) usage.prompt_tokens_details = { cached_tokens: cachedTokens }
  return usage
}
