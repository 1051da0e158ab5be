import t from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { startSimulator as startOpenAI } from '../providers/openai/simulator.ts'
import { startSimulator as startGemini } from '../providers/gemini/simulator.ts'
import { simulatorEnv, startGateway } from './helpers/gateway.ts'

// Model names are the client's strings that end up in routing tables, metrics rows, logs, headers and upstream
// paths. Huge or odd ones are refused before any lookup; built-in object keys are plain names.

setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

const groq = await startGroq()
const openai = await startOpenAI()
const gemini = await startGemini()
t.teardown(() => Promise.all([groq.close(), openai.close(), gemini.close()]))
const gateway = await startGateway(t, { ...simulatorEnv({ groq, openai, gemini }), LOG_LEVEL: 'warn', GROQ_MODEL_MAP: 'fast=llama-3.1-8b-instant' })
const ADMIN_ENDPOINTS = ['/providers/metrics', '/providers/logs', '/providers/costs', '/providers/health', '/metrics']

async function chat (model: string): Promise<{ status: number, body: string, headers: Record<string, unknown> }> {
  const response = await gateway.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] })
  })
  return { status: response.statusCode, body: response.body, headers: response.headers }
}

t.test('300 requests with 1 MB model names leave the heap under 50 MB larger and every admin endpoint answering', async (t) => {
  collectGarbage()
  const before = process.memoryUsage().heapUsed
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  for (let index = 0; index < 300; index++) {
    // Each name differs, as an attacker's would, so no cache can fold them together.
    const name = `groq:${letters[index % 26] ?? 'x'}${index}`.padEnd(1024 * 1024, 'm')
    const answer = await chat(index % 2 === 0 ? name : name.slice(5))
    if (answer.status !== 400) t.fail(`request ${index} answered ${answer.status}`)
  }
  collectGarbage()
  const grown = (process.memoryUsage().heapUsed - before) / 1024 / 1024
  t.ok(grown < 50, `heap grew ${grown.toFixed(1)} MB`)
  for (const url of ADMIN_ENDPOINTS) {
    const response = await gateway.app.inject({ method: 'GET', url })
    t.equal(response.statusCode, 200, url)
    t.ok(response.body.length < 1024 * 1024, `${url} is ${response.body.length} bytes`)
  }
})

t.test('a model name is at most 256 printable ASCII characters: the answer says so, in the protocol shape', async (t) => {
  for (const model of ['m'.repeat(257), 'groq:llama\u0000', 'groq:llama\r\nx-injected: 1', 'gro q:llama', 'groq:模型']) {
    const answer = await chat(model)
    t.equal(answer.status, 400, JSON.stringify(model))
    t.match(JSON.parse(answer.body), { error: { param: 'model', code: 'invalid_value', message: /256 printable ASCII/ } })
    t.equal(answer.headers['x-request-id'] !== undefined, true)
  }
  const anthropic = await gateway.app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    payload: JSON.stringify({ model: 'groq:llama\nx', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
  })
  t.equal(anthropic.statusCode, 400)
  t.match(JSON.parse(anthropic.body), { type: 'error', error: { type: 'invalid_request_error', message: /256 printable ASCII/ } })
  t.equal(groq.requests.length, 0, 'nothing reached the provider')
  const longest = await chat(`groq:${'l'.repeat(251)}`)
  t.equal(longest.status, 200, 'a 256-character name is accepted')
})

t.test('Object built-ins as model names are plain names: no prototype is read, and the admin API keeps answering', async (t) => {
  groq.reset()
  openai.reset()
  gemini.reset()
  for (const model of ['openai:constructor', 'openai:__proto__', 'gemini:constructor', 'groq:__proto__', 'groq:hasOwnProperty', 'groq:toString']) {
    const answer = await chat(model)
    t.equal(answer.status, 200, model)
    t.equal(answer.headers['x-switchyard-model'], model.slice(model.indexOf(':') + 1), `${model} went upstream as it is`)
  }
  t.same(openai.requests.map((request) => (request.body as { model: unknown }).model), ['constructor', '__proto__'])
  t.same(groq.requests.map((request) => (request.body as { model: unknown }).model), ['__proto__', 'hasOwnProperty', 'toString'])
  t.match(gemini.requests[0]?.path, /\/models\/constructor:generateContent/)
  const mapped = await chat('groq:fast')
  t.equal(mapped.headers['x-switchyard-model'], 'llama-3.1-8b-instant', 'the model map still maps')
  for (const url of ADMIN_ENDPOINTS) {
    const response = await gateway.app.inject({ method: 'GET', url })
    t.equal(response.statusCode, 200, url)
  }
  const costs = JSON.parse((await gateway.app.inject({ method: 'GET', url: '/providers/costs' })).body) as { providers: Array<{ provider: string, models: Array<{ model: unknown }> }> }
  const groqModels = costs.providers.find((entry) => entry.provider === 'groq')?.models.map((row) => row.model) ?? []
  t.ok(groqModels.includes('__proto__'), 'the cost row is named __proto__')
})
