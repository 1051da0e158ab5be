import { openAICompatibleModelList } from '../../src/openai-compatible/model-list.ts'
import { modelId, positiveInteger } from '../../src/provider/model-discovery.ts'

interface MistralCapabilities { completion_chat?: unknown, function_calling?: unknown, vision?: unknown, reasoning?: unknown }

// Mistral states each model's capabilities: only those with `completion_chat` take chat completions.
export const discovery = openAICompatibleModelList((entry) => {
  const id = modelId(entry.id)
  const capabilities = (typeof entry.capabilities === 'object' && entry.capabilities !== null ? entry.capabilities : {}) as MistralCapabilities
  if (id === undefined || capabilities.completion_chat !== true) return undefined
  const contextWindow = positiveInteger(entry.max_context_length)
  return {
    id,
    ...(contextWindow === undefined ? {} : { contextWindow }),
    capabilities: { tools: capabilities.function_calling === true, vision: capabilities.vision === true, reasoning: capabilities.reasoning === true }
  }
})
