import { openAICompatibleModelList } from '../../src/openai-compatible/model-list.ts'
import { modelId } from '../../src/provider/model-discovery.ts'

// OpenAI's list states ids only, and holds every kind of model: those that are not chat models are left out.
const NOT_CHAT = /embedding|whisper|tts|dall-e|moderation|davinci|babbage|transcribe|image|realtime|audio|search|computer-use|sora/

export const discovery = openAICompatibleModelList((entry) => {
  const id = modelId(entry.id)
  return id === undefined || NOT_CHAT.test(id) ? undefined : { id }
})
