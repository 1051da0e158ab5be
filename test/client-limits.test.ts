import t from 'tap'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSimulator } from '../providers/groq/simulator.ts'
import { postChat, simulatorEnv, startGateway } from './helpers/gateway.ts'
import { awayFromWindowEdge } from './helpers/clock.ts'

// Per-client-key limits: requests and tokens per minute, a 429 in the client's protocol, usage per key. Limits
// count in minutes aligned to the clock: each test starts well inside one.

const groq = await startSimulator()
t.teardown(() => groq.close())
const hello = { model: 'groq:llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi there' }] }
const as = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` })

t.test('requests per minute: the third request of a key is a 429 with retry-after; other keys are not affected', async (t) => {
  const gateway = await startGateway(t, { ...simulatorEnv({ groq }), GATEWAY_API_KEYS: 'key-alpha,key-beta', CLIENT_REQUESTS_PER_MINUTE: '2' })
  await awayFromWindowEdge()
  t.equal((await postChat(gateway.url, hello, { headers: as('key-alpha') })).status, 200)
  t.equal((await postChat(gateway.url, hello, { headers: as('key-alpha') })).status, 200)
  const limited = await postChat(gateway.url, hello, { headers: as('key-alpha') })
  t.equal(limited.status, 429)
  t.ok(Number(limited.headers.get('retry-after')) >= 1 && Number(limited.headers.get('retry-after')) <= 60)
  t.match(await limited.json(), { error: { type: String, code: 'client_rate_limited', message: /2 requests per minute/ } })
  const messages = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'key-alpha' }, body: JSON.stringify({ ...hello, max_tokens: 5 }) })
  t.equal(messages.status, 429)
  t.match(await messages.json(), { type: 'error', error: { type: 'rate_limit_error' } }, 'Anthropic shape on /v1/messages')
  t.equal((await postChat(gateway.url, hello, { headers: as('key-beta') })).status, 200, 'another key has its own budget')
  for (let index = 0; index < 3; index++) t.equal((await postChat(gateway.url, hello, { headers: as(`stranger-${index}`) })).status, 401, 'a wrong key is refused by auth')

  const usage = await fetch(`${gateway.url}/providers/clients`, { headers: as('key-beta') })
  const text = await usage.text()
  t.notOk(text.includes('key-alpha') || text.includes('key-beta'), 'keys are shown by fingerprint only')
  const clients = (JSON.parse(text) as { clients: Array<{ client: string, requests: number, limited: number, tokensIn: number }> }).clients
  t.equal(clients.length, 2, 'wrong keys are not tracked')
  t.match(clients.find((client) => client.limited > 0), { client: /^key:[0-9a-f]{12}$/, requests: 2, limited: 2, requestsPerMinute: 2 })
  t.ok(clients.every((client) => client.tokensIn > 0), 'tokens counted per key')
})

t.test('tokens per minute from CLIENT_LIMITS_FILE, per key', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'switchyard-limits-'))
  const file = join(folder, 'limits.json')
  await writeFile(file, JSON.stringify({ keys: { 'key-small': { tokensPerMinute: 5 } } }))
  const gateway = await startGateway(t, { ...simulatorEnv({ groq }), GATEWAY_API_KEYS: 'key-small,key-big', CLIENT_LIMITS_FILE: file })
  await awayFromWindowEdge()
  t.equal((await postChat(gateway.url, hello, { headers: as('key-small') })).status, 200, 'the first request spends the budget')
  const limited = await postChat(gateway.url, hello, { headers: as('key-small') })
  t.equal(limited.status, 429)
  t.match(await limited.json(), { error: { message: /5 tokens per minute/ } })
  for (let index = 0; index < 3; index++) t.equal((await postChat(gateway.url, hello, { headers: as('key-big') })).status, 200, 'no limit for other keys')

  await writeFile(file, '{"keys": {"k": {"tokensPerMinute": -1}}}')
  await t.rejects(startGateway(t, { GATEWAY_API_KEYS: 'k', CLIENT_LIMITS_FILE: file }), /CLIENT_LIMITS_FILE=/)
})

t.test('without GATEWAY_API_KEYS, limits count per client address: a new token every request is the same client', async (t) => {
  const gateway = await startGateway(t, { ...simulatorEnv({ groq }), CLIENT_REQUESTS_PER_MINUTE: '2' })
  await awayFromWindowEdge()
  t.ok(gateway.logs.some((line) => line.includes('limits count per client address')), 'start-up says so')
  t.equal((await postChat(gateway.url, hello, { headers: as('rot-0') })).status, 200)
  t.equal((await postChat(gateway.url, hello, { headers: as('rot-1') })).status, 200)
  for (let index = 2; index < 6; index++) {
    const rotated = await postChat(gateway.url, hello, { headers: as(`rot-${index}`) })
    t.equal(rotated.status, 429, `token rot-${index} is still the same client`)
    await rotated.arrayBuffer()
  }
  const clients = (await (await fetch(`${gateway.url}/providers/clients`)).json() as { clients: Array<{ client: string, requests: number, limited: number }> }).clients
  t.same(clients.map((client) => [client.client, client.requests, client.limited]), [['address:127.0.0.1', 2, 4]])
})
