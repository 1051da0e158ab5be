import { catalog } from './models.ts'

/**
 * `GET /v1/models` as OpenAI answers it: ids and owners only, every kind of model mixed in. Beyond the catalog: a
 * dated snapshot the price table prices by pattern, a chat model no table prices, and models that do not chat.
 */
export function simulatedModelList (): unknown {
  const ids = [...catalog.models.map((model) => model.id), 'gpt-4o-mini-2024-07-18', 'chatgpt-4o-latest', 'text-embedding-3-small', 'whisper-1', 'dall-e-3', 'omni-moderation-latest']
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1715367049, owned_by: id.startsWith('gpt') || id.startsWith('o') ? 'system' : 'openai' })) }
}
