import type { ModelCatalog } from '../../src/provider/contract.ts'

const chat = { tools: true, vision: true, json: true, reasoning: false }
const reasoning = { tools: true, vision: true, json: true, reasoning: true }

export const catalog: ModelCatalog = {
  models: [
    { id: 'gpt-4o', contextWindow: 128000, maxOutputTokens: 16384, capabilities: chat },
    { id: 'gpt-4o-mini', contextWindow: 128000, maxOutputTokens: 16384, capabilities: chat },
    { id: 'gpt-4.1', contextWindow: 1047576, maxOutputTokens: 32768, capabilities: chat },
    { id: 'gpt-4.1-mini', contextWindow: 1047576, maxOutputTokens: 32768, capabilities: chat },
    { id: 'gpt-4.1-nano', contextWindow: 1047576, maxOutputTokens: 32768, capabilities: chat },
    { id: 'gpt-5', contextWindow: 400000, maxOutputTokens: 128000, capabilities: reasoning },
    { id: 'gpt-5-mini', contextWindow: 400000, maxOutputTokens: 128000, capabilities: reasoning },
    { id: 'gpt-5-nano', contextWindow: 400000, maxOutputTokens: 128000, capabilities: reasoning },
    { id: 'o3', contextWindow: 200000, maxOutputTokens: 100000, capabilities: reasoning },
    { id: 'o4-mini', contextWindow: 200000, maxOutputTokens: 100000, capabilities: reasoning }
  ],
  // Dated snapshots (gpt-4o-2024-08-06), other GPT and o-series ids, and fine-tunes (`ft:gpt-4o-mini:org::id`).
  families: ['gpt-*', 'chatgpt-*', 'o1*', 'o3*', 'o4*', 'ft:*']
}

export const defaultModel = 'gpt-4o-mini'
