import { Type, type TSchema } from '@sinclair/typebox'

/** OpenAI accepts `null` for most optional parameters; clients send it. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
