import { openAICompatibleModelList } from '../../src/openai-compatible/model-list.ts'
import { modelId, positiveInteger } from '../../src/provider/model-discovery.ts'

// Together answers a bare array, each entry typed: only `chat` models take chat completions.
export const discovery = openAICompatibleModelList((entry) => {
  const id = modelId(entry.id)
  if (id === undefined || entry.type !== 'chat') return undefined
  const contextWindow = positiveInteger(entry.context_length)
  const displayName = typeof entry.display_name === 'string' ? entry.display_name : undefined
  return { id, ...(contextWindow === undefined ? {} : { contextWindow }), ...(displayName === undefined ? {} : { displayName }) }
})
