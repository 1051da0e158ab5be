import t from 'tap'
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import OpenAI from 'openai'
import { openAIWire, startOpenAICompatibleSimulator, type ChatCompletionShape } from '../src/dev/openai-compatible-simulator.ts'
import { startGateway } from './helpers/gateway.ts'

// A vendor whose answers put usage in a field of its own (`x_acme.usage`, as Groq's `x_groq`), report errors
// in-band there, and answer a status of its own (420 for "slow down"). Everything it needs is in its folder.

const root = pathToFileURL(join(import.meta.dirname, '..')).href

/** OpenAI's wire format with usage moved into `x_acme`, streamed unasked on the last chunk. */
function moveUsage (body: Record<string, unknown>): Record<string, unknown> {
  const { usage, ...rest } = body
  return usage == null ? rest : { ...rest, x_acme: { id: 'req_1', usage } }
}

/** Set by a test: the next stream stops after its first chunk with an error in `x_acme`. */
let failNextStream = false

const simulator = await startOpenAICompatibleSimulator({
  displayName: 'Acme',
  basePath: '/v1',
  apiKey: 'acme-simulated-key',
  toolCallId: (next) => `call_${next(12)}`,
  modelList: () => ({ object: 'list', data: [{ id: 'acme-1', object: 'model', created: 1700000000, owned_by: 'acme' }] }),
  errorBody: openAIWire.errorBody,
  renderJson: (shape: ChatCompletionShape) => moveUsage(openAIWire.renderJson(shape)),
  renderStream: (shape: ChatCompletionShape) => {
    const chunks = openAIWire
      .renderStream({ ...shape, request: { ...shape.request, stream_options: { include_usage: true } } })
      .map((chunk) => moveUsage(chunk as Record<string, unknown>))
    if (!failNextStream) return chunks
    failNextStream = false
    return [chunks[0], { id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'acme-1', choices: [], x_acme: { error: 'capacity lost mid-generation' } }]
  }
})
t.teardown(() => simulator.close())

const folder = await mkdtemp(join(tmpdir(), 'switchyard-vendor-'))
t.teardown(() => rm(folder, { recursive: true, force: true }))
await mkdir(join(folder, 'acme'))
await writeFile(join(folder, 'acme', 'index.ts'), `
import { createProviderPlugin } from '${root}/src/provider/plugin.ts'
import { defineOpenAICompatibleProvider } from '${root}/src/openai-compatible/define-provider.ts'

function acmeFields (wire) {
  const acme = wire.x_acme
  if (typeof acme !== 'object' || acme === null) return undefined
  return { usage: acme.usage, ...(acme.error == null ? {} : { error: String(acme.error) }) }
}

export default createProviderPlugin(defineOpenAICompatibleProvider({
  name: 'acme',
  displayName: 'Acme',
  defaultBaseUrl: 'https://api.acme.example/v1',
  auth: { scheme: 'bearer' },
  defaultModel: 'acme-1',
  catalog: { models: [{ id: 'acme-1', contextWindow: 8192, capabilities: { tools: true, vision: false, json: true, reasoning: false } }], families: [] },
  pricing: { currency: 'USD', unit: 'per 1M tokens', source: 'test', date: '2026-12-03', prices: { 'acme-1': { input: 1, output: 2 } } }
}, {
  displayName: 'Acme',
  forwardedParams: 'all',
  streamUsage: 'always',
  strictMessages: false,
  keepUnknownResponseFields: false,
  vendorFields: acmeFields,
  statuses: { 420: 429 }
}))
`)

const gateway = await startGateway(t, { PROVIDERS_DIR: folder, DEFAULT_PROVIDER: 'acme', ACME_API_KEY: simulator.apiKey, ACME_BASE_URL: `${simulator.url}` })
const client = new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
t.beforeEach(() => { simulator.reset() })

t.test('usage from a vendor field reaches the client, whole and streamed, and the metrics', async (t) => {
  const answer = await client.chat.completions.create({ model: 'acme-1', messages: [{ role: 'user', content: 'Hi' }] })
  t.match(answer.usage, { prompt_tokens: Number, completion_tokens: Number })
  t.ok((answer.usage?.completion_tokens ?? 0) > 0)
  t.notOk('x_acme' in answer, 'the vendor field itself is not passed on')

  const stream = await client.chat.completions.create({ model: 'acme-1', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } })
  let usage: OpenAI.CompletionUsage | null | undefined
  for await (const chunk of stream) if (chunk.usage != null) usage = chunk.usage
  t.same(usage, answer.usage, 'the same usage, from the last chunk')

  const { logs } = await (await fetch(`${gateway.url}/providers/logs?limit=2`)).json() as { logs: Array<{ tokensOut: number }> }
  t.same(logs.map((entry) => entry.tokensOut), [answer.usage?.completion_tokens, answer.usage?.completion_tokens], 'the metrics count the reported tokens')
})

t.test('an error in a vendor field ends the stream with an error event', async (t) => {
  failNextStream = true
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'acme-1', messages: [{ role: 'user', content: 'Hi' }], stream: true })
  })
  t.equal(response.status, 200, 'the stream had begun')
  const text = await response.text()
  t.match(text, /data: \{"error":\{"message":"Acme error \(502\): capacity lost mid-generation"/)
  t.notMatch(text, /\[DONE\]/)
})

t.test("a status of the vendor's own is told as the standard one it stands for", async (t) => {
  simulator.fail({ kind: 'status', status: 420, message: 'Enhance your calm' })
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'acme:acme-1', messages: [{ role: 'user', content: 'Hi' }] })
  })
  t.equal(response.status, 429)
  t.match(await response.json(), { error: { type: 'rate_limit_error', message: /^Acme error \(420\): Enhance your calm/ } })
  t.equal(response.headers.get('x-switchyard-attempts'), 'acme:420')
})
