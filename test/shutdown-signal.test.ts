import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Client } from 'undici'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { freePort, waitForPort } from './bench/processes.ts'

// Issue #9 item 7, on a real process: SIGTERM while requests are in flight. Requests that arrive on an open
// connection are refused with 503, the listener closes, in-flight streams finish within the grace period, and
// the process exits 0. Past the grace period, what is still running is ended cleanly: a stream gets an error
// event, a waiting request a 503, and the provider calls are aborted.

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const groq = await startGroq()
t.teardown(() => groq.close())

async function startServer (graceMs: number, options: { logLevel?: string, stdout?: 'ignore' | 'pipe' } = {}): Promise<{
  origin: string
  exited: Promise<number | null>
  kill: (signal: NodeJS.Signals) => void
  stdout: NodeJS.ReadableStream | null
}> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      STORE_URL: 'memory',
      LOG_LEVEL: options.logLevel ?? 'warn',
      GROQ_API_KEY: groq.apiKey,
      GROQ_BASE_URL: groq.url,
      DEFAULT_PROVIDER: 'groq',
      SHUTDOWN_GRACE_MS: String(graceMs)
    },
    stdio: ['ignore', options.stdout ?? 'ignore', 'inherit']
  })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  await waitForPort(port)
  return { origin: `http://127.0.0.1:${port}`, exited, kill: (signal) => child.kill(signal), stdout: child.stdout }
}

const chat = (stream: boolean): string => JSON.stringify({ model: 'groq:llama-3.3-70b-versatile', stream, messages: [{ role: 'user', content: 'hi' }] })
const post = { method: 'POST' as const, path: '/v1/chat/completions', headers: { 'content-type': 'application/json' } }

t.test('SIGTERM: in-flight streams finish, new work gets 503 or no connection, and the process exits 0', async (t) => {
  groq.reset()
  groq.script = { chunkCount: 20, chunkDelayMs: 40 }
  const server = await startServer(10_000)
  // Pipelining lets a second request reach the server on the busy connection after the signal.
  const client = new Client(server.origin, { pipelining: 2 })
  t.teardown(() => client.destroy())
  const stream = await client.request({ ...post, body: chat(true) })
  const started = Date.now()
  server.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 150))
  const lateOnOpenConnection = client.request({ method: 'GET', path: '/v1/models' })
  const refused = await fetch(`${server.origin}/healthz`).then(() => false, () => true)
  t.ok(refused, 'a new connection is refused')
  const text = await stream.body.text()
  t.ok(text.endsWith('data: [DONE]\n\n'), `the in-flight stream finished normally (${Date.now() - started} ms after the signal)`)
  t.match(text, /"finish_reason":"stop"/, 'through its finish reason')
  const late = await lateOnOpenConnection
  t.equal(late.statusCode, 503, 'a request that arrived after the signal on an open connection gets 503')
  await late.body.dump()
  t.equal(await server.exited, 0, 'exit code 0')
  t.equal(groq.abandoned, 0, 'no provider call was cut')
})

t.test('SIGTERM past the grace period: a stream ends with an error event, a waiting request with 503, then exit 0', async (t) => {
  groq.reset()
  const abandonedBefore = groq.abandoned
  groq.script = { chunkCount: 200, chunkDelayMs: 40 }
  const server = await startServer(300)
  const streamClient = new Client(server.origin)
  const waitingClient = new Client(server.origin)
  t.teardown(() => Promise.all([streamClient.destroy(), waitingClient.destroy()]))
  const stream = await streamClient.request({ ...post, body: chat(true) })
  groq.fail({ kind: 'delay', ms: 20_000 })
  const waiting = waitingClient.request({ ...post, body: chat(false) })
  await new Promise((resolve) => setTimeout(resolve, 100))
  const signalled = Date.now()
  server.kill('SIGTERM')

  const text = await stream.body.text()
  const last = JSON.parse(text.trimEnd().split('\n\n').at(-1)?.replace(/^data: /, '') ?? '{}') as { error?: { code?: string, type?: string } }
  t.match(last, { error: { code: 'gateway_shutting_down', type: 'service_unavailable_error' } }, 'the stream ends with an error event')
  t.notMatch(text, /\[DONE\]/)
  const answer = await waiting
  t.equal(answer.statusCode, 503, 'the waiting request gets 503')
  t.match(await answer.body.json(), { error: { code: 'gateway_shutting_down' } })
  t.equal(await server.exited, 0, 'exit code 0: nothing had to be cut')
  const elapsed = Date.now() - signalled
  t.ok(elapsed >= 300 && elapsed < 2000, `exited after the grace period (${elapsed} ms)`)
  t.equal(groq.abandoned - abandonedBefore, 2, 'both provider calls were aborted')
})

t.test('SIGTERM with a connection opened ahead of use and never used: exit 0 at once, not after the grace period', async (t) => {
  const server = await startServer(10_000)
  const unused = connect(Number(new URL(server.origin).port), '127.0.0.1')
  // The gateway closes it by destroying it; on a busy machine that can arrive here as a reset, which is expected.
  unused.on('error', () => {})
  t.teardown(() => unused.destroy())
  await once(unused, 'connect')
  const started = Date.now()
  server.kill('SIGTERM')
  t.equal(await server.exited, 0, 'exit code 0')
  t.ok(Date.now() - started < 5000, `exited ${Date.now() - started} ms after the signal (the grace period is 10 s)`)
})

t.test('SIGTERM with standard output a closed pipe (a dead log shipper): the process still exits', async (t) => {
  const server = await startServer(10_000, { logLevel: 'info', stdout: 'pipe' })
  const stdout = server.stdout as NodeJS.ReadableStream & { destroy: () => void }
  // Read the first lines, then go away, as `| head -c 50` does: every later write is a broken pipe.
  await once(stdout, 'data')
  stdout.destroy()
  for (let index = 0; index < 20; index++) await fetch(`${server.origin}/v1/models`).then(async (response) => await response.arrayBuffer())
  const started = Date.now()
  server.kill('SIGTERM')
  t.equal(await server.exited, 0, 'exit code 0')
  t.ok(Date.now() - started < 5000, `exited ${Date.now() - started} ms after the signal (the grace period is 10 s)`)
})
