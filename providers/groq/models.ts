import type { ModelCatalog } from '../../src/provider/contract.ts'

const text = { tools: true, vision: false, json: true, reasoning: false }

export const catalog: ModelCatalog = {
  models: [
    { id: 'llama-3.3-70b-versatile', contextWindow: 131072, maxOutputTokens: 32768, capabilities: text },
    { id: 'llama-3.1-8b-instant', contextWindow: 131072, maxOutputTokens: 131072, capabilities: text },
    { id: 'openai/gpt-oss-120b', contextWindow: 131072, maxOutputTokens: 65536, capabilities: { ...text, reasoning: true } },
    { id: 'openai/gpt-oss-20b', contextWindow: 131072, maxOutputTokens: 65536, capabilities: { ...text, reasoning: true } },
    { id: 'meta-llama/llama-4-scout-17b-16e-instruct', contextWindow: 131072, maxOutputTokens: 8192, capabilities: { ...text, vision: true } },
    { id: 'qwen/qwen3-32b', contextWindow: 131072, maxOutputTokens: 40960, capabilities: { ...text, reasoning: true } }
  ],
  families: []
}

export const defaultModel = 'llama-3.3-70b-versatile'
