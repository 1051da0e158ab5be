import { catalog } from './models.ts'

/**
 * `GET /openai/v1/models` as Groq answers it: with `active`, `context_window` and `max_completion_tokens`. Beyond
 * the catalog: two chat models no table prices (one Together lists too), a retired one, and a speech model.
 */
export function simulatedModelList (): unknown {
  const entry = (id: string, owner: string, contextWindow: number, maxOutput: number, active = true) =>
    ({ id, object: 'model', created: 1733447754, owned_by: owner, active, context_window: contextWindow, public_apps: null, max_completion_tokens: maxOutput })
  return {
    object: 'list',
    data: [
      ...catalog.models.map((model) => entry(model.id, model.id.split('/')[0] ?? 'Groq', model.contextWindow, model.maxOutputTokens ?? 8192)),
      entry('moonshotai/kimi-k2-instruct-0905', 'Moonshot AI', 262144, 16384),
      entry('openai/gpt-oss-safeguard-20b', 'OpenAI', 131072, 65536),
      entry('gemma2-9b-it', 'Google', 8192, 8192, false),
      entry('whisper-large-v3', 'OpenAI', 448, 448)
    ]
  }
}
