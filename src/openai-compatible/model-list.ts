import { listOf, type DiscoveredModel, type ModelDiscovery } from '../provider/model-discovery.ts'

/**
 * `GET /models` of an OpenAI-shaped API: `{object: "list", data: [...]}` on one page (or, for Together, a bare
 * array). `read` keeps the entries the provider can chat with and says what each states.
 */
export function openAICompatibleModelList (read: (entry: Record<string, unknown>) => DiscoveredModel | undefined): ModelDiscovery {
  return {
    path: (basePath) => `${basePath}/models`,
    parse (body) {
      const list = Array.isArray(body) ? body : listOf(body, 'data')
      const models: DiscoveredModel[] = []
      for (const entry of list) {
        if (typeof entry !== 'object' || entry === null) continue
        const model = read(entry as Record<string, unknown>)
        if (model !== undefined) models.push(model)
      }
      return { models }
    }
  }
}
