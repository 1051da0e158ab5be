import { listOf, modelId, pageToken, positiveInteger, type DiscoveredModel, type ModelDiscovery } from '../../src/provider/model-discovery.ts'

/**
 * `GET /v1/models?endpoint=chat`, paged by `page_token`. Chat is v2 and the list v1, so the base URL's trailing
 * `/v2` becomes `/v1`. Models are named by `name`, not `id` (docs: wire/cohere.md).
 */
export const discovery: ModelDiscovery = {
  path: (basePath, page) => `${/\/v2$/.test(basePath) ? basePath.replace(/\/v2$/, '/v1') : `${basePath}/v1`}/models?endpoint=chat&page_size=1000` +
    (page === undefined ? '' : `&page_token=${encodeURIComponent(page)}`),
  parse (body) {
    const models: DiscoveredModel[] = []
    for (const entry of listOf(body, 'models') as Array<Record<string, unknown> | null>) {
      const id = modelId(entry?.name)
      if (id === undefined || entry === null) continue
      const endpoints = entry.endpoints
      if (Array.isArray(endpoints) && !endpoints.includes('chat')) continue
      const contextWindow = positiveInteger(entry.context_length)
      const features = Array.isArray(entry.features) ? entry.features : undefined
      models.push({
        id,
        ...(contextWindow === undefined ? {} : { contextWindow }),
        ...(features === undefined ? {} : { capabilities: { tools: features.includes('tools'), vision: features.includes('vision'), json: features.includes('json_mode') } })
      })
    }
    return { models, next: pageToken((body as { next_page_token?: unknown }).next_page_token) }
  }
}
