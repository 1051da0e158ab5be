import type { PriceTable } from '../../src/provider/contract.ts'

// Mistral prices, USD per 1M tokens, from the shared wire notes (collected 2026-11-25). Mistral's own pricing
// page was not among the stored copies: every row is from secondary sources (developer.puter.com "Mistral API
// Pricing (Jun 2026)", margindash), and some 2026 posts give Large 3 as 2 / 6. Magistral has no price here.
export const pricing: PriceTable = {
  currency: 'USD',
  unit: 'per 1M tokens',
  source: 'secondary sources via shared/docs/wire/openai-compatible.md §4',
  date: '2026-11-25',
  prices: {
    'mistral-large-latest': { input: 0.5, output: 1.5 },
    'mistral-medium-latest': { input: 0.4, output: 2 },
    'mistral-small-latest': { input: 0.1, output: 0.3 },
    'codestral-latest': { input: 0.3, output: 0.9 },
    'ministral-8b-latest': { input: 0.15, output: 0.15 },
    'ministral-3b-latest': { input: 0.1, output: 0.1 }
  }
}
