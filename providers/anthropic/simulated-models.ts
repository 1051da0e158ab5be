import { catalog } from './models.ts'
import { SIMULATED_PAGE_CAP } from '../../src/dev/model-list-pages.ts'

/**
 * `GET /v1/models?limit=&after_id=` as Anthropic answers it: newest first, paged by id, `has_more` while there is
 * more. Beyond the catalog: an older model the price table does not price (the `claude-*` family still routes
 * it here). Pages hold at most SIMULATED_PAGE_CAP models, so that clients walk them.
 */
export function simulatedModelPage (query: URLSearchParams): unknown {
  const models = [
    ...catalog.models.map((model) => ({ id: model.id, maxInput: model.contextWindow, maxTokens: model.maxOutputTokens ?? 8192 })),
    { id: 'claude-3-5-haiku-20241022', maxInput: 200_000, maxTokens: 8192 }
  ].reverse()
  const after = query.get('after_id')
  const start = after === null ? 0 : models.findIndex((model) => model.id === after) + 1
  const limit = Math.min(SIMULATED_PAGE_CAP, Number(query.get('limit') ?? 20) || 20)
  const page = models.slice(start, start + limit)
  return {
    data: page.map((model) => ({
      type: 'model',
      id: model.id,
      display_name: model.id.replace(/^claude-/, 'Claude ').replace(/-/g, ' '),
      created_at: '2026-01-01T00:00:00Z',
      max_input_tokens: model.maxInput,
      max_tokens: model.maxTokens
    })),
    has_more: start + page.length < models.length,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null
  }
}
