import type { ReasoningEffort } from '../../src/canonical/reasoning-effort.ts'

// OpenAI `reasoning_effort` -> Gemini `thinkingConfig` (wire notes gemini.md §2, §8): a `thinkingLevel` for
// Gemini 3 and later, a `thinkingBudget` in tokens for 2.5, never both. Older models do not think, and get none.

const LEVELS: Record<ReasoningEffort, string> = {
  none: 'MINIMAL', // Gemini 3 cannot turn thinking off; MINIMAL is the least there is.
  minimal: 'MINIMAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  xhigh: 'HIGH',
  max: 'HIGH'
}

const BUDGETS: Record<ReasoningEffort, number> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576, xhigh: 32768, max: 32768 }

/** 2.5 Pro cannot turn thinking off and thinks up to 32,768 tokens; Flash and Flash-Lite up to 24,576. */
function budgetFor (model: string, effort: ReasoningEffort): number {
  const pro = model.includes('-pro')
  const budget = Math.min(BUDGETS[effort], pro ? 32768 : 24576)
  return pro ? Math.max(128, budget) : budget
}

export function thinkingConfigFor (model: string, effort: ReasoningEffort): Record<string, unknown> | undefined {
  const version = /^gemini-(\d+(?:\.\d+)?)/.exec(model)
  const number = Number(version?.[1] ?? Number.NaN)
  if (number >= 3) return { thinkingLevel: LEVELS[effort] }
  if (number >= 2.5) return { thinkingBudget: budgetFor(model, effort) }
  return undefined
}
