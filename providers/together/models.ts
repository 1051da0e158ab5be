import type { ModelCatalog } from '../../src/provider/contract.ts'

const text = { tools: true, vision: false, json: true, reasoning: false }

export const catalog: ModelCatalog = {
  models: [
    { id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', contextWindow: 131072, capabilities: text },
    { id: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo', contextWindow: 131072, capabilities: text },
    { id: 'openai/gpt-oss-120b', contextWindow: 131072, capabilities: { ...text, reasoning: true } },
    { id: 'deepseek-ai/DeepSeek-R1', contextWindow: 163840, capabilities: { ...text, reasoning: true } }
  ],
  // Together's ids are `org/Name`; these organisations' models are served there.
  families: ['meta-llama/Llama-*', 'meta-llama/Meta-Llama-*', 'deepseek-ai/*', 'Qwen/*', 'moonshotai/*', 'mistralai/*', 'zai-org/*']
}

export const defaultModel = 'meta-llama/Llama-3.3-70B-Instruct-Turbo'
