import t from 'tap'
import { postChat, simulatorEnv, startGateway, startSimulators } from './helpers/gateway.ts'
import { startConnectProxy } from './helpers/connect-proxy.ts'

// Contract §2: provider calls go through UPSTREAM_PROXY, or HTTPS_PROXY/HTTP_PROXY minus NO_PROXY.

const simulators = await startSimulators(t)
const hostOf = (url: string): string => new URL(url).host
const hello = (model: string): Record<string, unknown> => ({ model, messages: [{ role: 'user', content: 'hi' }] })

t.test('UPSTREAM_PROXY carries every provider call through a CONNECT tunnel', async (t) => {
  const proxy = await startConnectProxy()
  t.teardown(proxy.close)
  const gateway = await startGateway(t, { ...simulatorEnv({ groq: simulators.groq }), UPSTREAM_PROXY: proxy.url, HTTP_PROXY: 'http://127.0.0.1:9' })
  const response = await postChat(gateway.url, hello('groq:llama-3.3-70b-versatile'))
  t.equal(response.status, 200)
  t.match(await response.json(), { choices: [{ message: { role: 'assistant' } }] })
  t.same(proxy.tunnels, [hostOf(simulators.groq.url)], 'the call went through the proxy (UPSTREAM_PROXY wins over HTTP_PROXY)')
})

t.test('HTTP_PROXY applies per origin and NO_PROXY exempts hosts', async (t) => {
  const proxy = await startConnectProxy()
  t.teardown(proxy.close)
  const gateway = await startGateway(t, {
    ...simulatorEnv({ groq: simulators.groq, mistral: simulators.mistral }),
    HTTP_PROXY: proxy.url,
    NO_PROXY: hostOf(simulators.mistral.url)
  })
  t.equal((await postChat(gateway.url, hello('groq:llama-3.3-70b-versatile'))).status, 200)
  t.equal((await postChat(gateway.url, hello('mistral:mistral-small-latest'))).status, 200)
  t.same(proxy.tunnels, [hostOf(simulators.groq.url)], 'only groq went through the proxy')
})

t.test('a proxy that refuses the tunnel is a 502 naming the provider, not a client disconnect', async (t) => {
  const proxy = await startConnectProxy({ refuseWith: 403 })
  t.teardown(proxy.close)
  const gateway = await startGateway(t, { ...simulatorEnv({ groq: simulators.groq }), UPSTREAM_PROXY: proxy.url })
  const response = await postChat(gateway.url, hello('groq:llama-3.3-70b-versatile'))
  t.equal(response.status, 502)
  t.match(await response.json(), { error: { message: /^groq: .*proxy/ } })
})

t.test('a proxy URL that is not a URL stops start-up naming the variable', async (t) => {
  await t.rejects(startGateway(t, { UPSTREAM_PROXY: 'proxy.internal:3128' }), /UPSTREAM_PROXY/)
})
