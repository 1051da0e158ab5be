import { listOf, modelId, pageToken, positiveInteger, type DiscoveredModel, type ModelDiscovery } from '../../src/provider/model-discovery.ts'

/**
 * `models.list`, paged by `pageToken`: only the models whose `supportedGenerationMethods` include
 * `generateContent` chat (the list also holds embedding, image and speech models). Ids lose their `models/`.
 */
export const discovery: ModelDiscovery = {
  path: (basePath, page) => `${basePath}/models?pageSize=1000${page === undefined ? '' : `&pageToken=${encodeURIComponent(page)}`}`,
  parse (body) {
    const models: DiscoveredModel[] = []
    for (const entry of listOf(body, 'models') as Array<Record<string, unknown> | null>) {
      const methods = entry?.supportedGenerationMethods
      if (entry === null || !Array.isArray(methods) || !methods.includes('generateContent')) continue
      const id = modelId(typeof entry.name === 'string' ? entry.name.replace(/^models\//, '') : undefined)
      if (id === undefined) continue
      const contextWindow = positiveInteger(entry.inputTokenLimit)
      const maxOutputTokens = positiveInteger(entry.outputTokenLimit)
      models.push({
        id,
        ...(typeof entry.displayName === 'string' ? { displayName: entry.displayName } : {}),
        ...(contextWindow === undefined ? {} : { contextWindow }),
        ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
        ...(typeof entry.thinking === 'boolean' ? { capabilities: { reasoning: entry.thinking } } : {})
      })
    }
    return { models, next: pageToken((body as { nextPageToken?: unknown }).nextPageToken) }
  }
}
