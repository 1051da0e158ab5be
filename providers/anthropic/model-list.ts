import { listOf, modelId, pageToken, positiveInteger, type DiscoveredModel, type ModelDiscovery } from '../../src/provider/model-discovery.ts'

/** `GET /v1/models`, newest first, paged by `after_id` while `has_more` (docs: wire/anthropic.md §9). */
export const discovery: ModelDiscovery = {
  path: (basePath, page) => `${basePath}/models?limit=1000${page === undefined ? '' : `&after_id=${encodeURIComponent(page)}`}`,
  parse (body) {
    const models: DiscoveredModel[] = []
    for (const entry of listOf(body, 'data') as Array<Record<string, unknown> | null>) {
      const id = modelId(entry?.id)
      if (id === undefined || entry === null) continue
      const contextWindow = positiveInteger(entry.max_input_tokens)
      const maxOutputTokens = positiveInteger(entry.max_tokens)
      models.push({
        id,
        ...(typeof entry.display_name === 'string' ? { displayName: entry.display_name } : {}),
        ...(contextWindow === undefined ? {} : { contextWindow }),
        ...(maxOutputTokens === undefined ? {} : { maxOutputTokens })
      })
    }
    const more = (body as { has_more?: unknown }).has_more === true
    return { models, next: more ? pageToken((body as { last_id?: unknown }).last_id) : undefined }
  }
}
