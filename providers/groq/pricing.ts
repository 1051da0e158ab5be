import type { PriceTable } from '../../src/provider/contract.ts'

// Groq on-demand prices, USD per 1M tokens. Source: console.groq.com/docs/models (undated stored copy) as
// collected in the shared wire notes on 2026-11-25; llama-4-scout and qwen3-32b from secondary data there.
export const pricing: PriceTable = {
  currency: 'USD',
  unit: 'per 1M tokens',
  source: 'console.groq.com/docs/models via shared/docs/wire/openai-compatible.md §4',
  date: '2026-11-25',
  prices: {
    'llama-3.1-8b-instant': { input: 0.05, output: 0.08 },
    'llama-3.3-70b-versatile': { input: 0.59, output: 0.79 },
    'openai/gpt-oss-120b': { input: 0.15, output: 0.6 },
    'openai/gpt-oss-20b': { input: 0.075, output: 0.3 },
    'meta-llama/llama-4-scout-17b-16e-instruct': { input: 0.11, output: 0.34 },
    'qwen/qwen3-32b': { input: 0.29, output: 0.59 }
  }
}
