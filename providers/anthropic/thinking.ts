import type { ReasoningEffort } from '../../src/canonical/reasoning-effort.ts'
import { invalidRequest } from '../../src/canonical/errors.ts'

// OpenAI `reasoning_effort` -> Anthropic thinking (wire notes anthropic.md §5, §6). Newer models refuse a token
// budget and take `thinking: {type: "adaptive"}` with `output_config.effort`; older ones take a budget, which
// must be at least 1,024 tokens and below `max_tokens`. `none` sends nothing: thinking stays at the model's
// default, since some models refuse `{type: "disabled"}`.

const BUDGETS: Record<Exclude<ReasoningEffort, 'none'>, number> = { minimal: 1024, low: 2048, medium: 8192, high: 16384, xhigh: 32000, max: 32000 }

const MINIMUM_BUDGET = 1024

/** Opus 4.7 and later, Sonnet and Haiku 5 and later, and the Fable/Mythos models take adaptive thinking only. */
export function usesAdaptiveThinking (model: string): boolean {
  if (/^claude-(fable|mythos)/.test(model)) return true
  const match = /^claude-(opus|sonnet|haiku)-(\d+)(?:-(\d)(?!\d))?/.exec(model)
  if (match === null) return false
  const version = Number(match[2]) + Number(match[3] ?? 0) / 10
  return match[1] === 'opus' ? version >= 4.7 : version >= 5
}

/** Sets `thinking` (and `output_config.effort`) on an Anthropic body whose `max_tokens` is already set. */
export function applyReasoningEffort (body: Record<string, unknown>, model: string, effort: ReasoningEffort): void {
  if (effort === 'none') return
  if (usesAdaptiveThinking(model)) {
    body.thinking = { type: 'adaptive' }
    body.output_config = { ...(body.output_config as Record<string, unknown> | undefined), effort: effort === 'minimal' ? 'low' : effort }
    return
  }
  const maxTokens = body.max_tokens as number
  const budget = Math.min(BUDGETS[effort], maxTokens - 1)
  if (budget < MINIMUM_BUDGET) {
    throw invalidRequest(`Anthropic's thinking needs a budget of at least ${MINIMUM_BUDGET} tokens below max_tokens; with reasoning_effort, set max_completion_tokens above ${MINIMUM_BUDGET}.`, 'max_completion_tokens')
  }
  body.thinking = { type: 'enabled', budget_tokens: budget }
}
