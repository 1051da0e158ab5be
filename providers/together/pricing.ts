import type { PriceTable } from '../../src/provider/contract.ts'

// Together serverless prices, USD per 1M tokens, from the shared wire notes (collected 2026-11-25):
// together.ai/pricing via api-evangelist (2026-05-08) and the `/models` pricing field. The 3.1-8B row is marked
// unverified there. DeepSeek-R1 is listed only as a range in the notes, so it has no price here (cost "unknown").
export const pricing: PriceTable = {
  currency: 'USD',
  unit: 'per 1M tokens',
  source: 'together.ai/pricing via shared/docs/wire/openai-compatible.md §4',
  date: '2026-11-25',
  prices: {
    'meta-llama/Llama-3.3-70B-Instruct-Turbo': { input: 0.88, output: 0.88 },
    'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo': { input: 0.18, output: 0.18 },
    'openai/gpt-oss-120b': { input: 0.15, output: 0.6 }
  }
}
