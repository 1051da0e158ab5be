import type { PriceTable } from '../../src/provider/contract.ts'

// Gemini Developer API paid-tier list prices, USD per 1M tokens, text. Source: ai.google.dev pricing as
// transcribed in shared/docs/wire/gemini.md §10 (2026-10-07 transcription, Portkey-AI/models 2026-08-21).
// Where a model has two tiers, the ≤200K-token prompt tier is used. Output prices include thinking tokens.
export const pricing: PriceTable = {
  currency: 'USD',
  unit: 'per 1M tokens',
  source: 'ai.google.dev/pricing via shared/docs/wire/gemini.md §10',
  date: '2026-11-25',
  prices: {
    'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.03 },
    'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cachedInput: 0.01 },
    'gemini-3-flash-preview': { input: 0.5, output: 3, cachedInput: 0.05 },
    'gemini-3.1-pro-preview*': { input: 2, output: 12, cachedInput: 0.2 },
    'gemini-3.1-flash-lite': { input: 0.25, output: 1.5, cachedInput: 0.025 },
    'gemini-3.5-flash': { input: 1.5, output: 9, cachedInput: 0.15 },
    'gemini-3.5-flash-lite': { input: 0.3, output: 2.5, cachedInput: 0.03 }
  }
}
