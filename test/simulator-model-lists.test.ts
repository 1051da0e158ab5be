import t from 'tap'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import Groq from 'groq-sdk'
import Together from 'together-ai'
import { Mistral } from '@mistralai/mistralai'
import { GoogleGenAI } from '@google/genai'
import { CohereClientV2 } from 'cohere-ai'
import { startAllSimulators } from './helpers/gateway.ts'

// Each simulator's model list is held to its provider's official SDK: the SDK must read what the simulator sends,
// pages included, since model discovery is tested against these lists (test/model-discovery.test.ts).

const simulators = await startAllSimulators(t)
const origin = (url: string): string => new URL(url).origin

t.test('OpenAI: models.list reads the list', async (t) => {
  const client = new OpenAI({ apiKey: simulators.openai.apiKey, baseURL: simulators.openai.url, maxRetries: 0 })
  const ids: string[] = []
  for await (const model of client.models.list()) ids.push(model.id)
  t.ok(ids.includes('chatgpt-4o-latest') && ids.includes('text-embedding-3-small') && ids.includes('gpt-4o'), ids.join(' '))
})

t.test('Groq: models.list, with its context window', async (t) => {
  const client = new Groq({ apiKey: simulators.groq.apiKey, baseURL: origin(simulators.groq.url), maxRetries: 0 })
  const list = await client.models.list()
  const kimi = list.data.find((model) => model.id === 'moonshotai/kimi-k2-instruct-0905') as unknown as Record<string, unknown> | undefined
  t.match(kimi, { object: 'model', owned_by: 'Moonshot AI', context_window: 262144, active: true })
})

t.test('Together: models.list reads the bare array', async (t) => {
  const client = new Together({ apiKey: simulators.together.apiKey, baseURL: simulators.together.url, maxRetries: 0 })
  const list = await client.models.list()
  const qwen = list.find((model) => model.id === 'Qwen/Qwen3-235B-A22B-Instruct-2507-tput')
  t.match(qwen, { type: 'chat', context_length: 262144, pricing: { input: 0.2, output: 0.6 } })
  t.ok(list.some((model) => model.type === 'embedding'))
})

t.test('Mistral: models.list validates each card', async (t) => {
  const client = new Mistral({ apiKey: simulators.mistral.apiKey, serverURL: origin(simulators.mistral.url) })
  const list = await client.models.list()
  // The SDK types an entry it could not read as `Unknown`: each one found here was read as a card.
  const card = (id: string) => list.data?.find((model) => 'id' in model && model.id === id)
  t.match(card('devstral-medium-latest'), { type: 'base', maxContextLength: 131072, capabilities: { completionChat: true } })
  t.match(card('mistral-embed'), { capabilities: { completionChat: false } })
})

t.test('Anthropic: models.list walks the pages by after_id', async (t) => {
  const client = new Anthropic({ apiKey: simulators.anthropic.apiKey, baseURL: origin(simulators.anthropic.url), maxRetries: 0 })
  const ids: string[] = []
  for await (const model of client.models.list({ limit: 3 })) ids.push(model.id)
  t.equal(ids.length, 10, 'nine catalog models and an older one, over several pages')
  t.equal(new Set(ids).size, ids.length, 'each once')
  t.ok(ids.includes('claude-3-5-haiku-20241022'))
  const pages = simulators.anthropic.requests.filter((request) => request.method === 'GET')
  t.ok(pages.length >= 3, `${pages.length} pages`)
})

t.test('Gemini: models.list pages by pageToken', async (t) => {
  const client = new GoogleGenAI({ apiKey: simulators.gemini.apiKey, httpOptions: { baseUrl: origin(simulators.gemini.url) } })
  const names: string[] = []
  for await (const model of await client.models.list({ config: { pageSize: 3 } })) names.push(model.name ?? '')
  t.equal(names.length, 12, 'every model, chat or not, over several pages')
  t.ok(names.includes('models/gemma-3-27b-it') && names.includes('models/gemini-embedding-001'))
})

t.test('Cohere: models.list by endpoint, paged by page_token', async (t) => {
  const client = new CohereClientV2({ token: simulators.cohere.apiKey, baseUrl: origin(simulators.cohere.url) })
  const names: string[] = []
  let pageToken: string | undefined
  do {
    const page = await client.models.list({ endpoint: 'chat', pageSize: 3, ...(pageToken === undefined ? {} : { pageToken }) })
    for (const model of page.models) names.push(model.name ?? '')
    pageToken = page.nextPageToken ?? undefined
  } while (pageToken !== undefined)
  t.equal(names.length, 7, 'six catalog models and a translation model; the embedding model is not a chat one')
  t.notOk(names.includes('embed-v4.0'))
})
