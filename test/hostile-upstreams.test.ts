import t from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import { gzipSync } from 'node:zlib'
import type { AddressInfo } from 'node:net'
import { postChat, startGateway } from './helpers/gateway.ts'

// What a provider (or a proxy in front of it) sends back is as untrusted as what a client sends: an answer the
// gateway cannot read is a 502 naming the provider, never the gateway's own 500.

type Answer = (request: IncomingMessage, response: ServerResponse) => void
let answer: Answer = (_request, response) => { response.end() }
const seen: IncomingMessage['headers'][] = []
const upstream = createServer((request, response) => {
  seen.push(request.headers)
  request.resume()
  request.on('end', () => { answer(request, response) })
})
upstream.listen(0, '127.0.0.1')
await once(upstream, 'listening')
t.teardown(() => { upstream.closeAllConnections(); upstream.close() })
const gateway = await startGateway(t, {
  GROQ_API_KEY: 'gsk_upstream_test_key',
  GROQ_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  LOG_LEVEL: 'warn'
})
const chat = { model: 'groq:llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] }
const completion = (content: string): string => JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'llama-3.3-70b-versatile',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
})

t.test('an answer nested 5,000 deep is a 502 naming the provider', async (t) => {
  answer = (_request, response) => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(completion('ok').replace('"usage":', `"extra":${deep},"usage":`))
  }
  const response = await postChat(gateway.url, chat)
  t.equal(response.status, 502)
  t.match(await response.json(), { error: { type: 'api_error', message: /^groq: the provider's answer nests deeper than 64 levels/ } })
})

t.test('the gateway asks for identity; a gzip answer it did not ask for is a 502 that says so', async (t) => {
  // As a server or CDN would: compress unless the client asked for identity.
  answer = (request, response) => {
    const body = completion('plain text')
    if (request.headers['accept-encoding'] === 'identity') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(body)
      return
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(body))
  }
  const plain = await postChat(gateway.url, chat)
  t.equal(plain.status, 200)
  t.match(await plain.json(), { choices: [{ message: { content: 'plain text' } }] })
  t.equal(seen.at(-1)?.['accept-encoding'], 'identity')

  answer = (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(completion('squeezed')))
  }
  const squeezed = await postChat(gateway.url, chat)
  t.equal(squeezed.status, 502)
  t.match(await squeezed.json(), { error: { code: 'unsupported_encoding', message: /^groq: the provider answered with content-encoding 'gzip'/ } })
  const stream = await postChat(gateway.url, { ...chat, stream: true })
  t.equal(stream.status, 502, 'a stream too, before its first byte')
})
