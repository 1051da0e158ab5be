import type { FinishReason } from '../canonical/finish-reason.ts'
import type { CallContext } from '../provider/contract.ts'
import type { Usage } from '../canonical/usage.ts'
import type { OpenAICompatibleDialect } from './dialect.ts'
import type { WireContent, WireUsage } from './wire.ts'

const OPENAI_FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  function_call: 'function_call'
}

/** A provider finish reason in OpenAI's vocabulary; `error` when the provider says generation failed. */
export function mapFinishReason (reason: string, dialect: OpenAICompatibleDialect, ctx?: Pick<CallContext, 'notice'>): FinishReason | 'error' {
  const known = dialect.finishReasons?.[reason] ?? OPENAI_FINISH_REASONS[reason]
  if (known === undefined) ctx?.notice('unknown finish reason, sent as stop', { finishReason: reason })
  return known ?? 'stop'
}

const PROMPT_DETAILS = ['cached_tokens', 'cache_write_tokens', 'audio_tokens'] as const
const COMPLETION_DETAILS = ['reasoning_tokens', 'audio_tokens', 'accepted_prediction_tokens', 'rejected_prediction_tokens'] as const

/** The named counts that are numbers, or undefined when none is. */
function countsOf<K extends string> (details: Partial<Record<K, number | null>> | null | undefined, keys: readonly K[]): Partial<Record<K, number>> | undefined {
  if (details == null) return undefined
  let out: Partial<Record<K, number>> | undefined
  for (const key of keys) {
    const value = details[key]
    if (typeof value !== 'number') continue
    out ??= {}
    out[key] = value
  }
  return out
}

/**
 * Keeps the usage fields of the canonical shape, which are OpenAI's (its token details included, so that an
 * OpenAI client sees the counts OpenAI sent), and drops the rest (Groq's timings and the like).
 */
export function normalizeUsage (usage: WireUsage): Usage {
  const out: Usage = {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens
  }
  const promptDetails = countsOf(usage.prompt_tokens_details, PROMPT_DETAILS)
  if (promptDetails !== undefined) out.prompt_tokens_details = promptDetails
  const completionDetails = countsOf(usage.completion_tokens_details, COMPLETION_DETAILS)
  if (completionDetails !== undefined) out.completion_tokens_details = completionDetails
  return out
}

/** Splits provider content into answer text and thinking text (Mistral sends thinking as content parts). */
export function splitContent (content: WireContent | undefined): { text: string | undefined, thinking: string | undefined } {
  if (content === undefined || content === null) return { text: undefined, thinking: undefined }
  if (typeof content === 'string') return { text: content, thinking: undefined }
  let text: string | undefined
  let thinking: string | undefined
  for (const part of content) {
    if (part.type === 'text' && part.text !== undefined) text = (text ?? '') + part.text
    if (part.type === 'thinking') {
      for (const inner of part.thinking ?? []) if (inner.text !== undefined) thinking = (thinking ?? '') + inner.text
    }
  }
  return { text, thinking }
}

export function stringifyArguments (args: string | Record<string, unknown> | null | undefined): string {
  if (args === undefined || args === null) return ''
  return typeof args === 'string' ? args : JSON.stringify(args)
}
