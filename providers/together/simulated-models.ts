import { catalog } from './models.ts'
import { pricing } from './pricing.ts'

/**
 * `GET /v1/models` as Together answers it: a bare array, each entry typed, with its context length and prices.
 * Beyond the catalog: a chat model no table prices, one Groq lists too, one whose id Groq's catalog owns, and an
 * embedding model.
 */
export function simulatedModelList (): unknown {
  const entry = (id: string, type: string, contextLength: number, price: { input: number, output: number } = { input: 0, output: 0 }) => ({
    id,
    object: 'model',
    created: 1733350000,
    type,
    display_name: id.split('/').at(-1),
    organization: id.split('/')[0],
    context_length: contextLength,
    pricing: { hourly: 0, input: price.input, output: price.output, base: 0, finetune: 0 }
  })
  return [
    ...catalog.models.map((model) => entry(model.id, 'chat', model.contextWindow, pricing.prices[model.id])),
    entry('Qwen/Qwen3-235B-A22B-Instruct-2507-tput', 'chat', 262144, { input: 0.2, output: 0.6 }),
    entry('openai/gpt-oss-safeguard-20b', 'chat', 131072, { input: 0.05, output: 0.2 }),
    entry('openai/gpt-oss-20b', 'chat', 131072, { input: 0.05, output: 0.2 }),
    entry('BAAI/bge-large-en-v1.5', 'embedding', 512)
  ]
}
