import { catalog } from './models.ts'

/**
 * `GET /v1/models` as Mistral answers it: base model cards with capabilities and `max_context_length`. Beyond the
 * catalog: a chat model no table prices, and an embedding model (`completion_chat: false`).
 */
export function simulatedModelList (): unknown {
  const card = (id: string, contextLength: number, chat: boolean, vision = false) => ({
    id,
    object: 'model',
    created: 1733400000,
    owned_by: 'mistralai',
    capabilities: {
      completion_chat: chat, function_calling: chat, reasoning: id.startsWith('magistral'), completion_fim: id.startsWith('codestral'),
      fine_tuning: false, vision, ocr: false, classification: false, moderation: false, audio: false
    },
    name: id,
    description: `Simulated ${id}`,
    max_context_length: contextLength,
    aliases: [],
    deprecation: null,
    default_model_temperature: 0.3,
    internal: false,
    type: 'base'
  })
  return {
    object: 'list',
    data: [
      ...catalog.models.map((model) => card(model.id, model.contextWindow, true, model.capabilities.vision)),
      card('devstral-medium-latest', 131072, true),
      card('mistral-embed', 8192, false)
    ]
  }
}
