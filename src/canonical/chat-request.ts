import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './nullable.ts'
import { ModelNameSchema } from './model-name.ts'

// The canonical request is OpenAI Chat Completions. Only the fields the gateway reads or must type-check are
// declared; anything else is kept (additional properties are allowed) so OpenAI itself receives it unchanged.

export const TextPartSchema = Type.Object({ type: Type.Literal('text'), text: Type.String() })

export const ImageUrlPartSchema = Type.Object({
  type: Type.Literal('image_url'),
  image_url: Type.Object({
    url: Type.String({ minLength: 1 }),
    detail: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('low'), Type.Literal('high')]))
  })
})

export const ContentPartSchema = Type.Object({
  type: Type.String({ minLength: 1 }),
  text: Type.Optional(Type.String()),
  image_url: Type.Optional(ImageUrlPartSchema.properties.image_url)
})

export const MessageContentSchema = Type.Union([Type.String(), Type.Array(ContentPartSchema), Type.Null()])

export const ToolCallSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String({ minLength: 1 }), arguments: Type.String() })
})

export const ChatMessageSchema = Type.Object({
  role: Type.Union([
    Type.Literal('system'),
    Type.Literal('developer'),
    Type.Literal('user'),
    Type.Literal('assistant'),
    Type.Literal('tool')
  ]),
  content: Type.Optional(MessageContentSchema),
  name: Type.Optional(Type.String()),
  tool_calls: Type.Optional(Type.Array(ToolCallSchema)),
  tool_call_id: Type.Optional(Type.String({ minLength: 1 })),
  refusal: Type.Optional(Nullable(Type.String())),
  reasoning_content: Type.Optional(Nullable(Type.String()))
})

export const ToolSchema = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$' }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    strict: Type.Optional(Nullable(Type.Boolean()))
  })
})

export const ToolChoiceSchema = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: Type.String() }) })
])

export const ResponseFormatSchema = Type.Object({
  type: Type.Union([Type.Literal('text'), Type.Literal('json_object'), Type.Literal('json_schema')]),
  json_schema: Type.Optional(Type.Object({
    name: Type.String(),
    description: Type.Optional(Type.String()),
    schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    strict: Type.Optional(Nullable(Type.Boolean()))
  }))
})

export const ChatRequestSchema = Type.Object({
  model: ModelNameSchema,
  messages: Type.Array(ChatMessageSchema, { minItems: 1 }),
  stream: Type.Optional(Nullable(Type.Boolean())),
  stream_options: Type.Optional(Nullable(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }))),
  temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
  top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
  max_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  max_completion_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  stop: Type.Optional(Nullable(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 })]))),
  seed: Type.Optional(Nullable(Type.Integer())),
  n: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 128 }))),
  presence_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }))),
  frequency_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }))),
  logprobs: Type.Optional(Nullable(Type.Boolean())),
  top_logprobs: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 20 }))),
  tools: Type.Optional(Type.Array(ToolSchema)),
  tool_choice: Type.Optional(ToolChoiceSchema),
  parallel_tool_calls: Type.Optional(Type.Boolean()),
  response_format: Type.Optional(ResponseFormatSchema),
  /** Checked by the translators that map it (an OpenAI-shaped provider gets it as it came). */
  reasoning_effort: Type.Optional(Nullable(Type.String())),
  user: Type.Optional(Type.String())
})

export type TextPart = Static<typeof TextPartSchema>
export type ContentPart = Static<typeof ContentPartSchema>
export type MessageContent = Static<typeof MessageContentSchema>
export type ToolCall = Static<typeof ToolCallSchema>
export type ChatMessage = Static<typeof ChatMessageSchema>
export type Tool = Static<typeof ToolSchema>
export type ToolChoice = Static<typeof ToolChoiceSchema>
export type ChatRequest = Static<typeof ChatRequestSchema> & Record<string, unknown>
