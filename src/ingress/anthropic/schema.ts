import { Type, type Static } from '@sinclair/typebox'
import { ModelNameSchema } from '../../canonical/model-name.ts'

// Anthropic Messages requests as the gateway checks them: the fields it reads are typed, everything else
// (thinking, metadata, cache_control, container, mcp_servers, future fields) is allowed and kept.

const Block = Type.Object({ type: Type.String({ minLength: 1 }) }, { additionalProperties: true })

export const MessagesRequestSchema = Type.Object({
  model: ModelNameSchema,
  max_tokens: Type.Integer({ minimum: 0 }),
  messages: Type.Array(Type.Object({
    role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system')]),
    content: Type.Union([Type.String(), Type.Array(Block)])
  }, { additionalProperties: true })),
  system: Type.Optional(Type.Union([Type.String(), Type.Array(Block)])),
  stream: Type.Optional(Type.Boolean()),
  stop_sequences: Type.Optional(Type.Array(Type.String())),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  top_k: Type.Optional(Type.Integer({ minimum: 0 })),
  tools: Type.Optional(Type.Array(Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: true }))),
  tool_choice: Type.Optional(Type.Object({
    type: Type.Union([Type.Literal('auto'), Type.Literal('any'), Type.Literal('tool'), Type.Literal('none')]),
    name: Type.Optional(Type.String()),
    disable_parallel_tool_use: Type.Optional(Type.Boolean())
  }, { additionalProperties: true }))
}, { additionalProperties: true })

export type MessagesRequest = Static<typeof MessagesRequestSchema> & Record<string, unknown>

export const CountTokensRequestSchema = Type.Object({
  model: ModelNameSchema,
  messages: MessagesRequestSchema.properties.messages,
  system: MessagesRequestSchema.properties.system,
  tools: MessagesRequestSchema.properties.tools
}, { additionalProperties: true })
