import { Type } from '@sinclair/typebox'

export const MAX_MODEL_NAME_LENGTH = 256

/**
 * A model name as a client may send it, on every ingress: printable ASCII without spaces, at most 256
 * characters. Every provider's ids fit; the bound keeps per-model tables small whatever clients send, and the
 * characters keep the name safe in the `x-switchyard-model` header and in an upstream URL path.
 */
export const ModelNameSchema = Type.String({ minLength: 1, maxLength: MAX_MODEL_NAME_LENGTH, pattern: '^[!-~]+$' })
