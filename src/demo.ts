import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { BUILT_IN_PROVIDERS_DIR, buildApp } from './app.ts'
import { cannotStart, closeOnSignals, readEnvironment } from './server.ts'
import { envPrefix } from './config/provider-settings.ts'
import { findProviderPlugins } from './provider/discovery.ts'
import type { ProviderSimulator } from './dev/http-simulator.ts'

// `npm run demo`: every provider that ships a simulator is started on loopback and the gateway is pointed at
// them, with no key and no network. Providers are found the same way the gateway finds them.

const folders = (await findProviderPlugins([BUILT_IN_PROVIDERS_DIR])).map((index) => join(index, '..'))
const simulators = new Map<string, ProviderSimulator>()
for (const folder of folders) {
  const file = join(folder, 'simulator.ts')
  try {
    await access(file)
  } catch {
    continue
  }
  const module = await import(pathToFileURL(file).href) as { startSimulator?: () => Promise<ProviderSimulator> }
  if (module.startSimulator !== undefined) simulators.set(folder.split(/[\\/]/).pop() ?? folder, await module.startSimulator())
}

const env = readEnvironment()
for (const [name, simulator] of simulators) {
  const prefix = envPrefix(name)
  env[`${prefix}_API_KEY`] = simulator.apiKey
  env[`${prefix}_BASE_URL`] = simulator.url
}
env.LOG_LEVEL ??= 'warn'

const app = await buildApp({ env }).then(async (built) => { await built.ready(); return built }).catch(cannotStart)
closeOnSignals(app, app.config.SHUTDOWN_GRACE_MS, async () => {
  await Promise.all([...simulators.values()].map((simulator) => simulator.close()))
})
await app.listen({ port: app.config.PORT, host: app.config.HOST }).catch(cannotStart)

const base = `http://${app.config.HOST}:${app.config.PORT}`
// Each simulator's model list is read as a real provider's would be; the demo says what it found once it has.
await app.modelDiscovery.settled()
const discovered = app.providers.enabled().flatMap((provider) => provider.catalog.entries().filter((entry) => entry.source === 'discovered').map((entry) => `${provider.name}:${entry.id}`))
console.log(`
Switchyard demo: gateway on ${base}, simulators for ${[...simulators.keys()].join(', ')} (no keys, no network).

  curl ${base}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"groq:llama-3.3-70b-versatile","messages":[{"role":"user","content":"Hello!"}]}'

  # unprefixed: the provider that owns the model, else the default provider (Gemini)
  curl ${base}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"claude-sonnet-4-6","messages":[{"role":"user","content":"Hello!"}]}'

  # Anthropic clients: /v1/messages, to any provider
  curl ${base}/v1/messages -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \\
    -d '{"model":"gemini:gemini-2.5-flash","max_tokens":256,"messages":[{"role":"user","content":"Hello!"}]}'

  curl -N ${base}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"mistral:mistral-small-latest","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Stream, please"}]}'

  // OpenAI SDK (npm install openai)
  import OpenAI from 'openai'
  const client = new OpenAI({ baseURL: '${base}/v1', apiKey: 'unused-in-demo' })
  const reply = await client.chat.completions.create({ model: 'together:meta-llama/Llama-3.3-70B-Instruct-Turbo', messages: [{ role: 'user', content: 'Hi' }] })
  console.log(reply.choices[0].message.content)

  # model discovery: each provider's own list, beside the catalog (${discovered.length} models only the lists name)
  curl ${base}/v1/models/${discovered.find((id) => id.startsWith('groq:')) ?? 'groq:llama-3.3-70b-versatile'}
  curl ${base}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"moonshotai/kimi-k2-instruct-0905","messages":[{"role":"user","content":"Hello!"}]}'

Dashboard: ${base}/dashboard/ (the admin endpoints are open in the demo: sign in without a key, read-only)
Models: curl ${base}/v1/models    Metrics: curl ${base}/providers/metrics    Stop: Ctrl-C
`)
