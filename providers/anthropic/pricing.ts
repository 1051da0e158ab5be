import type { PriceTable } from '../../src/provider/contract.ts'

// Anthropic list prices, USD per 1M tokens: input, output, cache read (cachedInput) and 5-minute cache write.
// Source: platform.claude.com model pages and Portkey-AI/models as transcribed in
// shared/docs/wire/anthropic.md §12 (2026-11-25). Patterns give dated snapshots their model's price.
export const pricing: PriceTable = {
  currency: 'USD',
  unit: 'per 1M tokens',
  source: 'platform.claude.com pricing via shared/docs/wire/anthropic.md §12',
  date: '2026-11-25',
  prices: {
    'claude-haiku-4-5*': { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
    'claude-sonnet-4-5*': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'claude-sonnet-4-6*': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'claude-opus-4-5*': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'claude-opus-4-6*': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'claude-opus-4-7*': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'claude-opus-4-8*': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'claude-opus-5-5*': { input: 4, output: 20, cachedInput: 0.2, cacheWrite: 5 },
    'claude-opus-5*': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'claude-sonnet-5-5*': { input: 2, output: 10, cachedInput: 0.1, cacheWrite: 2.5 },
    'claude-sonnet-5*': { input: 2, output: 10, cachedInput: 0.2, cacheWrite: 2.5 },
    'claude-haiku-5-5*': { input: 0.1, output: 0.5, cachedInput: 0.01, cacheWrite: 0.125 }
  }
}
