import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { startSimulator } from '../providers/groq/simulator.ts'
import { postChat, readToEnd, simulatorEnv, startGateway } from './helpers/gateway.ts'

// An overloaded gateway answers model requests with a quick 503 and retry-after, in the client's protocol,
// instead of queueing them; /healthz and the admin API keep answering.

const groq = await startSimulator()
t.teardown(() => groq.close())
const hello = { model: 'groq:llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] }

t.test('under memory pressure: 503 with retry-after in the OpenAI and Anthropic shapes; probes still answered', async (t) => {
  const gateway = await startGateway(t, { ...simulatorEnv({ groq }), MAX_HEAP_USED_BYTES: '1', MAX_EVENT_LOOP_DELAY_MS: '0', LOAD_SHED_RETRY_AFTER_S: '7' }, { loadSampleIntervalMs: 20 })
  await sleep(50)
  const chat = await postChat(gateway.url, hello)
  t.equal(chat.status, 503)
  t.equal(chat.headers.get('retry-after'), '7')
  t.match(await chat.json(), { error: { type: String, code: 'overloaded', message: /overloaded \(heapUsedBytes\)/ } })

  const messages = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'groq:llama-3.3-70b-versatile', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) })
  t.equal(messages.status, 503)
  t.match(await messages.json(), { type: 'error', error: { type: 'overloaded_error' } })

  t.equal((await fetch(`${gateway.url}/healthz`)).status, 200, 'liveness is not shed')
  t.equal((await fetch(`${gateway.url}/providers/status`)).status, 200, 'nor the admin API')
  t.equal(groq.requests.length, 0, 'nothing reached the provider')
  t.ok(gateway.logs.some((line) => line.includes('shedding load')))
})

t.test('MAX_CONCURRENT_REQUESTS caps requests in flight, streams included, and frees slots as they end', async (t) => {
  const gateway = await startGateway(t, { ...simulatorEnv({ groq }), MAX_CONCURRENT_REQUESTS: '1' })
  groq.script = { chunkCount: 10, chunkDelayMs: 30 }
  const first = await postChat(gateway.url, { ...hello, stream: true })
  const refused = await postChat(gateway.url, hello)
  t.equal(refused.status, 503, 'the second request is refused while the stream is open')
  t.match(await refused.json(), { error: { code: 'overloaded', message: /limit of 1 requests in flight/ } })
  t.match((await readToEnd(first.body?.getReader())).text, /\[DONE\]/)
  await sleep(20)
  groq.script = {}
  t.equal((await postChat(gateway.url, hello)).status, 200, 'the slot is free again')
})
