import type { FinishReason } from '../../src/canonical/finish-reason.ts'
import type { CallContext } from '../../src/provider/contract.ts'
import type { Usage } from '../../src/canonical/usage.ts'

/** Cohere's finish reasons; ERROR and TIMEOUT are failures, not endings (the caller raises them). */
export function mapFinishReason (reason: string | undefined, ctx?: Pick<CallContext, 'notice'>): FinishReason | 'error' | 'timeout' {
  switch (reason) {
    case 'COMPLETE': case 'STOP_SEQUENCE': case undefined: return 'stop'
    case 'MAX_TOKENS': return 'length'
    case 'TOOL_CALL': return 'tool_calls'
    case 'ERROR': return 'error'
    case 'TIMEOUT': return 'timeout'
    default:
      ctx?.notice('unknown finish reason, sent as stop', { finishReason: reason })
      return 'stop'
  }
}

export interface WireUsage {
  billed_units?: { input_tokens?: number, output_tokens?: number }
  tokens?: { input_tokens?: number, output_tokens?: number }
  cached_tokens?: number
}

/**
 * Usage from Cohere's billed units, what it charges for, so tokens × list price reproduces the bill. The raw
 * `tokens` counts (template and control tokens included) and `cached_tokens`, which is counted in those raw
 * tokens, are left out.
 */
export function toUsage (usage: WireUsage): Usage {
  const prompt = usage.billed_units?.input_tokens ?? usage.tokens?.input_tokens ?? 0
  const completion = usage.billed_units?.output_tokens ?? usage.tokens?.output_tokens ?? 0
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}
