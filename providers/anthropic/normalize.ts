import type { FinishReason } from '../../src/canonical/finish-reason.ts'
import type { CallContext } from '../../src/provider/contract.ts'

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter'
}

/** Every documented stop_reason (wire notes §3); anything new becomes stop. */
export function mapStopReason (reason: string | null | undefined, ctx?: Pick<CallContext, 'notice'>): FinishReason {
  if (reason == null) return 'stop'
  const known = FINISH_REASONS[reason]
  if (known === undefined) ctx?.notice('unknown stop reason, sent as stop', { stopReason: reason })
  return known ?? 'stop'
}

export { fromAnthropicUsage as toUsage, type AnthropicWireUsage as WireUsage } from './usage.ts'
