import t from 'tap'
import { request as httpRequest } from 'node:http'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { simulatorEnv, startGateway } from './helpers/gateway.ts'

// A body over BODY_LIMIT_BYTES is refused while the client is still uploading it. The rest is read and thrown
// away before the answer goes out, so the official SDKs see the 413 in their protocol's shape every time,
// never a broken pipe; and so does a refused key, whose body is never read either.

const groq = await startGroq()
t.teardown(() => groq.close())
const LIMIT = 1024 * 1024
const gateway = await startGateway(t, { ...simulatorEnv({ groq }), DEFAULT_PROVIDER: 'groq', LOG_LEVEL: 'warn', BODY_LIMIT_BYTES: String(LIMIT), GATEWAY_API_KEYS: 'client-key' })
// Under the 4x BODY_LIMIT_BYTES the gateway drains; the kernel's buffers would hide a smaller overshoot.
const big = 'a'.repeat(4 * LIMIT - 4096)
const ROUNDS = 12

t.test('the OpenAI SDK gets a 413 APIError every time, not a connection error', async (t) => {
  const client = new OpenAI({ apiKey: 'client-key', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
  for (let round = 0; round < ROUNDS; round++) {
    const error = await client.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: big }] }).catch((caught: unknown) => caught)
    t.ok(error instanceof OpenAI.APIError && error.status === 413, `round ${round}: ${String(error)}`)
  }
  const refused = new OpenAI({ apiKey: 'wrong-key', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
  for (let round = 0; round < ROUNDS; round++) {
    const error = await refused.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: big }] }).catch((caught: unknown) => caught)
    t.ok(error instanceof OpenAI.AuthenticationError, `round ${round}, a wrong key: ${String(error)}`)
  }
})

t.test('the Anthropic SDK gets a 413 in Anthropic\'s shape every time', async (t) => {
  const client = new Anthropic({ apiKey: 'client-key', baseURL: gateway.url, maxRetries: 0 })
  for (let round = 0; round < ROUNDS; round++) {
    const error = await client.messages.create({ model: 'groq:llama-3.3-70b-versatile', max_tokens: 5, messages: [{ role: 'user', content: big }] }).catch((caught: unknown) => caught)
    t.ok(error instanceof Anthropic.APIError && error.status === 413, `round ${round}: ${String(error)}`)
    t.match((error as { error?: unknown }).error, { type: 'error', error: { type: 'request_too_large' } })
  }
})

/**
 * Uploads `body` in 64 KB writes with node:http, as axios, got and most HTTP libraries do. Says what the client
 * saw by the time the request closed: the status and body, then any socket error (a broken pipe mid-upload).
 */
async function upload (path: string, body: string, headers: Record<string, string>): Promise<string> {
  return await new Promise((resolve) => {
    let seen = ''
    const request = httpRequest(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (response) => {
      let text = ''
      response.on('data', (chunk: Buffer) => { text += chunk.toString() })
      response.on('end', () => { seen = `${response.statusCode ?? 0} ${text}${seen}` })
    })
    request.on('error', (error: NodeJS.ErrnoException) => { seen += ` socket error ${error.code ?? error.message}` })
    request.on('close', () => { setImmediate(() => { resolve(seen) }) })
    let offset = 0
    const writeSome = (): void => {
      while (offset < body.length) {
        const piece = body.slice(offset, offset + 64 * 1024)
        offset += piece.length
        if (!request.write(piece)) {
          request.once('drain', writeSome)
          return
        }
      }
      request.end()
    }
    writeSome()
  })
}

t.test('a client uploading in pieces hears the 413 and the 401, on both ingresses, without a broken pipe', async (t) => {
  const chat = JSON.stringify({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: big }] })
  const messages = JSON.stringify({ model: 'llama-3.3-70b-versatile', max_tokens: 5, messages: [{ role: 'user', content: big }] })
  for (let round = 0; round < ROUNDS; round++) {
    t.match(await upload('/v1/chat/completions', chat, { authorization: 'Bearer client-key' }), /^413 \{"error":\{"message":[^]*\}\}$/, `chat, round ${round}`)
    t.match(await upload('/v1/messages', messages, { 'x-api-key': 'client-key' }), /^413 \{"type":"error","error":\{"type":"request_too_large"[^]*\}\}$/, `messages, round ${round}`)
    t.match(await upload('/v1/chat/completions', chat, { authorization: 'Bearer wrong-key' }), /^401 [^]*\}\}$/, `a wrong key, round ${round}`)
  }
})
