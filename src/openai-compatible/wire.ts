import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

// The fields the gateway reads from OpenAI-shaped provider JSON; everything else is tolerated.

const Nullish = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]))

export const WireToolCallSchema = Type.Object({
  index: Type.Optional(Type.Integer()),
  id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  type: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  function: Type.Optional(Type.Object({
    name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    arguments: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown()), Type.Null()]))
  }))
})

/** Mistral streams thinking as `content: [{type:"thinking", thinking:[{type:"text", text}]}]`. */
export const WireContentSchema = Type.Union([
  Type.String(),
  Type.Null(),
  Type.Array(Type.Object({
    type: Type.String(),
    text: Type.Optional(Type.String()),
    thinking: Type.Optional(Type.Array(Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) })))
  }))
])

export const WireUsageSchema = Type.Object({
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Optional(Type.Integer()),
  prompt_tokens_details: Type.Optional(Type.Union([Type.Null(), Type.Object({
    cached_tokens: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    cache_write_tokens: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    audio_tokens: Type.Optional(Type.Union([Type.Integer(), Type.Null()]))
  })])),
  completion_tokens_details: Type.Optional(Type.Union([Type.Null(), Type.Object({
    reasoning_tokens: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    audio_tokens: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    accepted_prediction_tokens: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    rejected_prediction_tokens: Type.Optional(Type.Union([Type.Integer(), Type.Null()]))
  })]))
})

const MessageFields = {
  content: Type.Optional(WireContentSchema),
  refusal: Nullish(Type.String()),
  reasoning: Nullish(Type.String()),
  reasoning_content: Nullish(Type.String()),
  tool_calls: Type.Optional(Type.Union([Type.Array(WireToolCallSchema), Type.Null()]))
}

export const WireResponseSchema = Type.Object({
  id: Type.Optional(Type.String()),
  created: Type.Optional(Type.Integer()),
  model: Type.Optional(Type.String()),
  system_fingerprint: Nullish(Type.String()),
  choices: Type.Array(Type.Object({
    index: Type.Optional(Type.Integer()),
    message: Type.Object(MessageFields),
    finish_reason: Nullish(Type.String()),
    logprobs: Type.Optional(Type.Unknown())
  })),
  usage: Type.Optional(Type.Union([WireUsageSchema, Type.Null()]))
})

export const WireChunkSchema = Type.Object({
  id: Type.Optional(Type.String()),
  created: Type.Optional(Type.Integer()),
  model: Type.Optional(Type.String()),
  system_fingerprint: Nullish(Type.String()),
  choices: Type.Optional(Type.Array(Type.Object({
    index: Type.Optional(Type.Integer()),
    delta: Type.Optional(Type.Object({ role: Nullish(Type.String()), ...MessageFields })),
    finish_reason: Nullish(Type.String()),
    logprobs: Type.Optional(Type.Unknown()),
    top_logprobs: Type.Optional(Type.Unknown())
  }))),
  usage: Type.Optional(Type.Union([WireUsageSchema, Type.Null()])),
  error: Type.Optional(Type.Unknown())
})

export const WireErrorSchema = Type.Object({
  error: Type.Optional(Type.Union([
    Type.String(),
    Type.Object({
      message: Type.Optional(Type.Unknown()),
      type: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      code: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
      param: Type.Optional(Type.Union([Type.String(), Type.Null()]))
    })
  ])),
  message: Type.Optional(Type.Unknown()),
  type: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  code: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
  param: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  detail: Type.Optional(Type.Unknown())
})

export type WireToolCall = Static<typeof WireToolCallSchema>
export type WireContent = Static<typeof WireContentSchema>
export type WireUsage = Static<typeof WireUsageSchema>
export type WireResponse = Static<typeof WireResponseSchema>
export type WireChunk = Static<typeof WireChunkSchema>
export type WireError = Static<typeof WireErrorSchema>

export const isWireResponse = TypeCompiler.Compile(WireResponseSchema)
export const isWireChunk = TypeCompiler.Compile(WireChunkSchema)
export const isWireError = TypeCompiler.Compile(WireErrorSchema)
