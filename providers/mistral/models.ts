import type { ModelCatalog } from '../../src/provider/contract.ts'

const text = { tools: true, vision: false, json: true, reasoning: false }

export const catalog: ModelCatalog = {
  models: [
    { id: 'mistral-large-latest', contextWindow: 262144, capabilities: { ...text, vision: true } },
    { id: 'mistral-medium-latest', contextWindow: 131072, capabilities: { ...text, vision: true } },
    { id: 'mistral-small-latest', contextWindow: 131072, capabilities: { ...text, vision: true } },
    { id: 'codestral-latest', contextWindow: 262144, capabilities: text },
    { id: 'ministral-8b-latest', contextWindow: 131072, capabilities: text },
    { id: 'ministral-3b-latest', contextWindow: 131072, capabilities: text },
    { id: 'magistral-medium-latest', contextWindow: 131072, capabilities: { ...text, reasoning: true } }
  ],
  families: ['mistral-*', 'open-mistral-*', 'codestral-*', 'ministral-*', 'magistral-*', 'pixtral-*', 'devstral-*']
}

export const defaultModel = 'mistral-small-latest'
