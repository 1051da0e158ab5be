import { openAICompatibleModelList } from '../../src/openai-compatible/model-list.ts'
import { modelId, positiveInteger } from '../../src/provider/model-discovery.ts'

// Groq lists speech models beside the chat ones, and marks retired ones `active: false`.
const NOT_CHAT = /whisper|tts|orpheus/

export const discovery = openAICompatibleModelList((entry) => {
  const id = modelId(entry.id)
  if (id === undefined || NOT_CHAT.test(id) || entry.active === false) return undefined
  const contextWindow = positiveInteger(entry.context_window)
  const maxOutputTokens = positiveInteger(entry.max_completion_tokens)
  return { id, ...(contextWindow === undefined ? {} : { contextWindow }), ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }) }
})
