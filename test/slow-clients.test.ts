import t from 'tap'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { postChat, simulatorEnv, startGateway } from './helpers/gateway.ts'

// Clients that send slowly hold a connection for at most the receive deadlines, and never a request slot:
// five slow uploads once kept MAX_CONCURRENT_REQUESTS=5 full and everyone else was answered 503.

const groq = await startGroq()
t.teardown(() => groq.close())
const gateway = await startGateway(t, {
  ...simulatorEnv({ groq }),
  DEFAULT_PROVIDER: 'groq',
  LOG_LEVEL: 'warn',
  MAX_CONCURRENT_REQUESTS: '2',
  RECEIVE_TIMEOUT_MS: '1500',
  HEADERS_TIMEOUT_MS: '1000'
})
const port = new URL(gateway.url).port

/** A raw connection that has sent `text` and sends nothing more unless told; collects what comes back. */
async function openRaw (text: string): Promise<{ socket: Socket, received: () => string, closed: Promise<unknown> }> {
  const socket = connect(Number(port), '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk: Buffer) => { received += chunk.toString() })
  socket.on('error', () => {})
  const closed = once(socket, 'close')
  socket.write(text)
  return { socket, received: () => received, closed }
}

const body = JSON.stringify({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] })
const headersFor = (length: number): string =>
  `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

t.test('slow uploads hold no request slot, and end with a 408 in OpenAI\'s shape at the receive deadline', async (t) => {
  const slow = await Promise.all([0, 1, 2, 3, 4].map(async () => await openRaw(headersFor(body.length) + body.slice(0, 10))))
  // The uploads' headers are in and their bodies have begun before the normal request is sent.
  await new Promise((resolve) => setImmediate(resolve))
  for (let index = 0; index < 3; index++) {
    const response = await postChat(gateway.url, JSON.parse(body))
    t.equal(response.status, 200, `request ${index} is served beside five slow uploads`)
    await response.arrayBuffer()
  }
  const started = performance.now()
  await Promise.all(slow.map(async (connection) => { await connection.closed }))
  const waited = performance.now() - started
  for (const connection of slow) {
    t.match(connection.received(), /^HTTP\/1\.1 408 /)
    const json = JSON.parse(connection.received().split('\r\n\r\n')[1] ?? '{}') as unknown
    t.match(json, { error: { type: 'invalid_request_error', code: 'request_timeout', message: /RECEIVE_TIMEOUT_MS/ } })
  }
  t.ok(waited < 10_000, `closed after ${Math.round(waited)} ms`)
})

t.test('a client trickling its headers is closed at the headers deadline', async (t) => {
  const trickle = await openRaw('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  const keepTrickling = setInterval(() => { trickle.socket.write('X-Slow: 1\r\n') }, 200)
  t.teardown(() => { clearInterval(keepTrickling) })
  await trickle.closed
  clearInterval(keepTrickling)
  t.match(trickle.received(), /^HTTP\/1\.1 408 /)
})
