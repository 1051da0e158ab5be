import { catalog } from './models.ts'
import { pageOf } from '../../src/dev/model-list-pages.ts'

/**
 * `models.list` as Gemini answers it: resource names, token limits, generation methods, paged by `pageToken`.
 * Beyond the catalog: an alias and an open model no table prices, an embedding model and an image model that do
 * not `generateContent` text.
 */
export function simulatedModelPage (query: URLSearchParams): unknown {
  const model = (id: string, input: number, output: number, methods: string[], thinking = false) => ({
    name: `models/${id}`,
    version: '001',
    displayName: id,
    description: `Simulated ${id}`,
    inputTokenLimit: input,
    outputTokenLimit: output,
    supportedGenerationMethods: methods,
    temperature: 1,
    maxTemperature: 2,
    topP: 0.95,
    topK: 64,
    thinking
  })
  const chat = ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent']
  const models = [
    ...catalog.models.map((entry) => model(entry.id, entry.contextWindow, entry.maxOutputTokens ?? 8192, chat, entry.capabilities.reasoning)),
    model('gemini-flash-latest', 1_048_576, 65_536, chat, true),
    model('gemma-3-27b-it', 131_072, 8192, ['generateContent', 'countTokens']),
    model('gemini-embedding-001', 2048, 1, ['embedContent', 'countTextTokens']),
    model('imagen-4.0-generate-001', 480, 8192, ['predict'])
  ]
  const pageSize = query.get('pageSize')
  const { page, next } = pageOf(models, query.get('pageToken'), pageSize === null ? undefined : Number(pageSize))
  return { models: page, ...(next === undefined ? {} : { nextPageToken: next }) }
}
