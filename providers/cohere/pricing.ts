import type { PriceTable } from '../../src/provider/contract.ts'

// Cohere list prices, USD per 1M billed tokens (input / output). Source: cohere.com/pricing as transcribed by
// third-party catalogs in shared/docs/wire/cohere.md §7 (2026-05 … 2026-11); no cached-input price is published.
// Cohere lists some of these as existing-customer pricing only: re-check before billing.
export const pricing: PriceTable = {
  currency: 'USD',
  unit: 'per 1M tokens',
  source: 'cohere.com/pricing via shared/docs/wire/cohere.md §7 (third-party transcriptions)',
  date: '2026-11-25',
  prices: {
    'command-a-03-2025': { input: 2.5, output: 10 },
    'command-a-reasoning-08-2025': { input: 2.5, output: 10 },
    'command-r-plus-08-2024': { input: 2.5, output: 10 },
    'command-r-08-2024': { input: 0.15, output: 0.6 },
    'command-r7b-12-2024': { input: 0.0375, output: 0.15 },
    'command-r-plus-04-2024': { input: 3, output: 15 },
    'command-r-03-2024': { input: 0.5, output: 1.5 }
  }
}
