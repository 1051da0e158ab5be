import t from 'tap'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { startSimulator as startAnthropic } from '../providers/anthropic/simulator.ts'
import { postChat, readToEnd, simulatorEnv, startGateway } from './helpers/gateway.ts'

// A provider's answer is read up to MAX_RESPONSE_BYTES, and a stream's single event too: past it the client gets a
// clean 502 naming the provider (or, once a stream has begun, its error event), and what was read is let go.

const groq = await startGroq()
const anthropic = await startAnthropic()
t.teardown(() => Promise.all([groq.close(), anthropic.close()]))
const LIMIT = 1024 * 1024
const gateway = await startGateway(t, { ...simulatorEnv({ groq, anthropic }), LOG_LEVEL: 'warn', MAX_RESPONSE_BYTES: String(LIMIT) })
t.beforeEach(() => { groq.reset(); anthropic.reset() })
const chat = (stream: boolean) => ({ model: 'groq:llama-3.3-70b-versatile', stream, messages: [{ role: 'user', content: 'hi' }] })

t.test('an answer over the cap is a 502 naming the provider; one under it is served', async (t) => {
  groq.script = { text: 'x'.repeat(2 * LIMIT) }
  const over = await postChat(gateway.url, chat(false))
  t.equal(over.status, 502)
  t.match(await over.json(), { error: { type: 'api_error', code: 'response_too_large', message: /^groq: the answer is larger than MAX_RESPONSE_BYTES \(1048576 bytes\)/ } })
  groq.script = { text: 'x'.repeat(LIMIT / 2) }
  const under = await postChat(gateway.url, chat(false))
  t.equal(under.status, 200)
  t.equal(((await under.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content.length, LIMIT / 2)
})

t.test('a stream whose single event is over the cap ends with an error event', async (t) => {
  groq.script = { text: `short ${'x'.repeat(3 * LIMIT)}`, chunkCount: 2 }
  const later = await postChat(gateway.url, chat(true))
  t.equal(later.status, 200)
  const { text } = await readToEnd(later.body?.getReader())
  t.match(text, /data: \{"error":\{"message":"groq: an event of the stream is larger than MAX_RESPONSE_BYTES/)
  t.notMatch(text, /\[DONE\]/)

  groq.script = { text: Array.from({ length: 40 }, () => 'y'.repeat(64 * 1024)).join(' ') }
  const many = await postChat(gateway.url, chat(true))
  const whole = await readToEnd(many.body?.getReader())
  t.ok(whole.bytes > 2 * LIMIT && whole.text.endsWith('data: [DONE]\n\n'), 'many events, each under the cap, add up past it')
})

t.test('the Anthropic pass-through is capped the same way', async (t) => {
  anthropic.script = { text: 'z'.repeat(2 * LIMIT) }
  const response = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'anthropic:claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
  })
  t.equal(response.status, 502)
  t.match(await response.json(), { type: 'error', error: { type: 'api_error', message: /anthropic: the answer is larger than MAX_RESPONSE_BYTES/ } })
})
