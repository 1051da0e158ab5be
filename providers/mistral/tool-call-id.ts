import { createHash } from 'node:crypto'

const MISTRAL_TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/
const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'

/**
 * Mistral accepts only tool call ids of exactly 9 alphanumerics. Its own ids pass unchanged (and are valid for
 * OpenAI clients, so they need no mapping back); any other id becomes 9 base62 characters of its SHA-256, so the
 * assistant's call and the tool result that answers it map to the same id in every turn of a conversation.
 */
export function toMistralToolCallId (id: string): string {
  if (MISTRAL_TOOL_CALL_ID.test(id)) return id
  const digest = createHash('sha256').update(id).digest()
  let out = ''
  for (let i = 0; i < 9; i++) out += BASE62[(digest[i] ?? 0) % 62]
  return out
}
