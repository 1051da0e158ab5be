import type { PriceTable } from '../../src/provider/contract.ts'

// OpenAI list prices, USD per 1M tokens (standard tier). Source: openai.com/api/pricing as known to the authors
// on the date below; the shared wire notes carry no OpenAI price table, so re-check before relying on cost.
export const pricing: PriceTable = {
  currency: 'USD',
  unit: 'per 1M tokens',
  source: 'openai.com/api/pricing (standard tier), not re-verified against a stored copy',
  date: '2026-11-25',
  prices: {
    'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
    'gpt-4o-2024-*': { input: 2.5, output: 10, cachedInput: 1.25 },
    'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
    'gpt-4o-mini-*': { input: 0.15, output: 0.6, cachedInput: 0.075 },
    'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
    'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
    'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
    'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
    'gpt-5-nano': { input: 0.05, output: 0.4, cachedInput: 0.005 },
    'gpt-5-nano-*': { input: 0.05, output: 0.4, cachedInput: 0.005 },
    o3: { input: 2, output: 8, cachedInput: 0.5 },
    'o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275 }
  }
}
