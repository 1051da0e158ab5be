import t from 'tap'
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import OpenAI from 'openai'
import { startGateway, startSimulators } from './helpers/gateway.ts'

const root = pathToFileURL(join(import.meta.dirname, '..')).href

t.test('a provider plugin dropped into PROVIDERS_DIR is loaded with no core change', async (t) => {
  const simulators = await startSimulators(t)
  const folder = await mkdtemp(join(tmpdir(), 'switchyard-providers-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  await mkdir(join(folder, 'acme'))
  // A whole provider in one file, written as a user would: it reuses the OpenAI-compatible translators.
  await writeFile(join(folder, 'acme', 'index.ts'), `
import { createProviderPlugin } from '${root}/src/provider/plugin.ts'
import { defineOpenAICompatibleProvider } from '${root}/src/openai-compatible/define-provider.ts'

export default createProviderPlugin(defineOpenAICompatibleProvider({
  name: 'acme',
  displayName: 'Acme',
  defaultBaseUrl: 'https://api.acme.example/v1',
  auth: { scheme: 'bearer' },
  defaultModel: 'acme-1',
  catalog: { models: [{ id: 'acme-1', contextWindow: 8192, capabilities: { tools: true, vision: false, json: true, reasoning: false } }], families: ['acme-*'] },
  pricing: { currency: 'USD', unit: 'per 1M tokens', source: 'test', date: '2026-11-25', prices: { 'acme-1': { input: 1, output: 2 } } }
}, { displayName: 'Acme', forwardedParams: 'all', streamUsage: 'request', strictMessages: false, keepUnknownResponseFields: false }))
`)
  await mkdir(join(folder, 'not-a-provider'))

  const gateway = await startGateway(t, {
    PROVIDERS_DIR: folder,
    ACME_API_KEY: simulators.openai.apiKey,
    ACME_BASE_URL: simulators.openai.url
  })
  t.ok(gateway.app.providers.get('acme')?.enabled, 'registered and enabled from its env keys')
  const client = new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
  const models = await client.models.list()
  t.same(models.data.map((model) => model.id), ['acme:acme-1'])
  const reply = await client.chat.completions.create({ model: 'acme:acme-1', messages: [{ role: 'user', content: 'Hi' }] })
  t.equal(reply.choices[0]?.message.content, 'Hello from the OpenAI simulator. You said: Hi')
  const unprefixed = await client.chat.completions.create({ model: 'acme-2', messages: [{ role: 'user', content: 'Hi' }] }).withResponse()
  t.equal(unprefixed.response.headers.get('x-switchyard-provider'), 'acme', 'its family pattern claims the model')
})

t.test('a broken provider folder stops start-up with a message naming it', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'switchyard-providers-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  await mkdir(join(folder, 'broken'))
  await writeFile(join(folder, 'broken', 'index.ts'), 'export const nothing = 1\n')
  await t.rejects(startGateway(t, { PROVIDERS_DIR: folder }), /Provider plugin .*broken.* has no default export/)
  await t.rejects(startGateway(t, { PROVIDERS_DIR: join(folder, 'missing') }), /Provider folder .* cannot be read/)
})
