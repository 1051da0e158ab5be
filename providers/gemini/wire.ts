import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

// The parts of Gemini's GenerateContentResponse the gateway reads (shared/docs/wire/gemini.md §3), checked once
// per response or stream event. Unknown fields are allowed and ignored.

export const WirePartSchema = Type.Object({
  text: Type.Optional(Type.String()),
  thought: Type.Optional(Type.Boolean()),
  thoughtSignature: Type.Optional(Type.String()),
  functionCall: Type.Optional(Type.Object({
    id: Type.Optional(Type.String()),
    name: Type.String(),
    args: Type.Optional(Type.Record(Type.String(), Type.Unknown()))
  }))
})

export const WireUsageSchema = Type.Object({
  promptTokenCount: Type.Optional(Type.Integer()),
  candidatesTokenCount: Type.Optional(Type.Integer()),
  totalTokenCount: Type.Optional(Type.Integer()),
  cachedContentTokenCount: Type.Optional(Type.Integer()),
  thoughtsTokenCount: Type.Optional(Type.Integer()),
  toolUsePromptTokenCount: Type.Optional(Type.Integer())
})

const WireLogprobsCandidateSchema = Type.Object({
  token: Type.Optional(Type.String()),
  logProbability: Type.Optional(Type.Number())
})

/** With `responseLogprobs`: the chosen token at each step, and the top alternatives when `logprobs` asked for them. */
export const WireLogprobsResultSchema = Type.Object({
  chosenCandidates: Type.Optional(Type.Array(WireLogprobsCandidateSchema)),
  topCandidates: Type.Optional(Type.Array(Type.Object({ candidates: Type.Optional(Type.Array(WireLogprobsCandidateSchema)) })))
})

export const WireCandidateSchema = Type.Object({
  content: Type.Optional(Type.Object({
    role: Type.Optional(Type.String()),
    parts: Type.Optional(Type.Array(WirePartSchema))
  })),
  finishReason: Type.Optional(Type.String()),
  index: Type.Optional(Type.Integer()),
  logprobsResult: Type.Optional(WireLogprobsResultSchema)
})

export const WireResponseSchema = Type.Object({
  candidates: Type.Optional(Type.Array(WireCandidateSchema)),
  promptFeedback: Type.Optional(Type.Object({ blockReason: Type.Optional(Type.String()) })),
  usageMetadata: Type.Optional(WireUsageSchema),
  modelVersion: Type.Optional(Type.String()),
  responseId: Type.Optional(Type.String())
})

export const WireErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.Optional(Type.Integer()),
    message: Type.Optional(Type.String()),
    status: Type.Optional(Type.String()),
    details: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown())))
  })
})

export type WirePart = Static<typeof WirePartSchema>
export type WireUsage = Static<typeof WireUsageSchema>
export type WireCandidate = Static<typeof WireCandidateSchema>
export type WireLogprobsResult = Static<typeof WireLogprobsResultSchema>
export type WireResponse = Static<typeof WireResponseSchema>
export type WireError = Static<typeof WireErrorSchema>

export const isWireResponse = TypeCompiler.Compile(WireResponseSchema)
export const isWireError = TypeCompiler.Compile(WireErrorSchema)
