import { catalog } from './models.ts'
import { pageOf } from '../../src/dev/model-list-pages.ts'

/**
 * `GET /v1/models?endpoint=&page_size=&page_token=` as Cohere answers it: models by `name`, their endpoints and
 * context length, paged by `next_page_token`; `endpoint=chat` keeps the chat models. Beyond the catalog: a chat
 * model no table prices, and an embedding model.
 */
export function simulatedModelPage (query: URLSearchParams): unknown {
  const model = (name: string, contextLength: number, endpoints: string[], features: string[]) => ({
    name, endpoints, finetuned: false, context_length: contextLength, tokenizer_url: null, default_endpoints: [], features, is_deprecated: false
  })
  const all = [
    ...catalog.models.map((entry) => model(entry.id, entry.contextWindow, ['generate', 'chat', 'summarize'], ['tools', 'json_mode', ...(entry.capabilities.vision ? ['vision'] : [])])),
    model('command-a-translate-08-2025', 8992, ['chat'], ['json_mode']),
    model('embed-v4.0', 128_000, ['embed', 'classify'], [])
  ]
  const endpoint = query.get('endpoint')
  const models = endpoint === null ? all : all.filter((entry) => entry.endpoints.includes(endpoint))
  const pageSize = query.get('page_size')
  const { page, next } = pageOf(models, query.get('page_token'), pageSize === null ? undefined : Number(pageSize))
  return { models: page, ...(next === undefined ? {} : { next_page_token: next }) }
}
