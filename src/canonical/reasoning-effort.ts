import { invalidRequest } from './errors.ts'
import type { ChatRequest } from './chat-request.ts'

/** OpenAI's `reasoning_effort` values (wire notes, openai.md), least to most. */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const

export type ReasoningEffort = (typeof REASONING_EFFORTS)[number]

const KNOWN = new Set<string>(REASONING_EFFORTS)

/**
 * The request's `reasoning_effort`, for a translator that maps it to its provider's own thinking settings; a
 * value outside OpenAI's is a 400 there. (OpenAI-shaped providers get the field as it came.)
 */
export function reasoningEffortOf (request: ChatRequest): ReasoningEffort | undefined {
  const effort = request.reasoning_effort
  if (effort == null) return undefined
  if (typeof effort !== 'string' || !KNOWN.has(effort)) {
    throw invalidRequest(`reasoning_effort must be one of ${REASONING_EFFORTS.join(', ')}; got ${JSON.stringify(effort)}.`, 'reasoning_effort', 'invalid_value')
  }
  return effort as ReasoningEffort
}
