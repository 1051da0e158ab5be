import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import { clientStatusFor } from '../src/canonical/errors.ts'
import { framedAsSse, readFixture } from './helpers/fixtures.ts'
import { readRecordedAnswer, type RecordedAnswer } from './helpers/recorded-answer.ts'
import { PINNED_MODELS, startGateway } from './helpers/gateway.ts'

// Every recorded provider answer in providers/*/fixtures, replayed byte for byte through the gateway to the
// official OpenAI and Anthropic SDKs: streamed recordings as streams, whole ones whole, error bodies with their
// status. What each client gets is held to what the recording says (its text, the tools it calls, its error),
// read from the recording by test/helpers/recorded-answer.ts without the gateway's translators.


// Gemini refuses a bad key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID); the gateway tells its client 401,
// since the fault is the operator's key, not the client's request (docs/providers.md).
const CLIENT_STATUS: Record<string, number> = { 'gemini/error-400-api-key.json': 401 }

interface Reply { status: number, stream: boolean, body: Buffer }
let reply: Reply = { status: 200, stream: false, body: Buffer.from('{}') }
const upstream = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    response.writeHead(reply.status, { 'content-type': reply.stream ? 'text/event-stream' : 'application/json' })
    response.end(reply.body)
  })
})
upstream.listen(0, '127.0.0.1')
await once(upstream, 'listening')
t.teardown(() => { upstream.closeAllConnections(); upstream.close() })
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`

const env: Record<string, string> = { LOG_LEVEL: 'silent' }
for (const provider of Object.keys(PINNED_MODELS)) {
  env[`${provider.toUpperCase()}_API_KEY`] = `replay-key-${provider}`
  env[`${provider.toUpperCase()}_BASE_URL`] = upstreamUrl
}
const gateway = await startGateway(t, env)
const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 })
const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'unused', maxRetries: 0 })

interface Outcome { text: string, tools: string[], status?: number, streamFailed?: boolean }

async function throughOpenAI (model: string, stream: boolean): Promise<Outcome> {
  const request = { model, messages: [{ role: 'user' as const, content: 'hi' }] }
  try {
    if (!stream) {
      const completion = await openai.chat.completions.create(request)
      const message = completion.choices[0]?.message
      return { text: message?.content ?? '', tools: (message?.tool_calls ?? []).map((call) => call.type === 'function' ? call.function.name : '') }
    }
    const outcome: Outcome = { text: '', tools: [] }
    const chunks = await openai.chat.completions.create({ ...request, stream: true })
    try {
      for await (const chunk of chunks) {
        const delta = chunk.choices[0]?.delta
        outcome.text += delta?.content ?? ''
        for (const call of delta?.tool_calls ?? []) if (call.function?.name !== undefined) outcome.tools.push(call.function.name)
      }
    } catch {
      outcome.streamFailed = true
    }
    return outcome
  } catch (error) {
    if (error instanceof OpenAI.APIError) return { text: '', tools: [], status: error.status }
    throw error
  }
}

async function throughAnthropic (model: string, stream: boolean): Promise<Outcome> {
  const request = { model, max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] }
  try {
    if (!stream) {
      const message = await anthropic.messages.create(request)
      return {
        text: message.content.map((block) => block.type === 'text' ? block.text : '').join(''),
        tools: message.content.flatMap((block) => block.type === 'tool_use' ? [block.name] : [])
      }
    }
    const outcome: Outcome = { text: '', tools: [] }
    const events = await anthropic.messages.create({ ...request, stream: true })
    try {
      for await (const event of events) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') outcome.text += event.delta.text
        if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') outcome.tools.push(event.content_block.name)
      }
    } catch {
      outcome.streamFailed = true
    }
    return outcome
  } catch (error) {
    if (error instanceof Anthropic.APIError) return { text: '', tools: [], status: error.status }
    throw error
  }
}

function holdTo (t: Test, outcome: Outcome, expected: RecordedAnswer, label: string, recording: string): void {
  if (typeof expected.error === 'number') {
    t.equal(outcome.status, CLIENT_STATUS[recording] ?? clientStatusFor(expected.error), `${label}: the provider's ${expected.error}, as the client's status`)
    return
  }
  if (expected.error === 'mid-stream') {
    t.ok(outcome.streamFailed, `${label}: the stream fails after it began`)
    return
  }
  t.equal(outcome.status, undefined, `${label}: answered`)
  t.notOk(outcome.streamFailed, `${label}: the stream ended cleanly`)
  t.equal(outcome.text, expected.text, `${label}: the recorded text, whole`)
  t.same(outcome.tools, expected.tools, `${label}: the recorded tool calls`)
}

for (const [provider, model] of Object.entries(PINNED_MODELS)) {
  const folder = fileURLToPath(new URL(`../providers/${provider}/fixtures/`, import.meta.url))
  const names = (await readdir(folder)).filter((name) => /\.(json|sse|jsonl)$/.test(name)).sort()
  t.test(`${provider}: every recording, through both ingresses`, async (t) => {
    t.ok(names.length > 0, `${names.length} recordings`)
    for (const name of names) {
      const raw = await readFixture(provider, name)
      // Recorders that kept one JSON chunk per line dropped the SSE framing; it is put back as the provider sent it.
      const body = name.endsWith('.chunks.jsonl') ? framedAsSse(raw) : raw
      const expected = readRecordedAnswer(provider, name, body)
      const stream = !name.endsWith('.json')
      reply = { status: typeof expected.error === 'number' ? expected.error : 200, stream, body }
      holdTo(t, await throughOpenAI(model, stream), expected, `${name} to an OpenAI client`, `${provider}/${name}`)
      holdTo(t, await throughAnthropic(model, stream), expected, `${name} to an Anthropic client`, `${provider}/${name}`)
    }
  })
}
