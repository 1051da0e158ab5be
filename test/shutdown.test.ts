import t from 'tap'
import { connect } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { postChat, readToEnd, simulatorEnv, startGateway, startSimulators } from './helpers/gateway.ts'

t.test('closing the gateway lets an in-flight stream finish and refuses new connections', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  simulators.groq.script = { chunkCount: 20, chunkDelayMs: 25 }
  const response = await postChat(gateway.url, { model: 'groq:llama-3.3-70b-versatile', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const reader = response.body?.getReader()
  const start = Buffer.from((await reader?.read())?.value ?? []).toString()
  const closing = gateway.app.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const refused = await fetch(`${gateway.url}/healthz`).then(() => false, () => true)
  t.ok(refused, 'new connections are refused while draining')
  const text = start + (await readToEnd(reader)).text
  t.ok(text.endsWith('data: [DONE]\n\n'), 'the in-flight stream finished normally (~500 ms of it remained at close)')
  await closing
  t.equal(simulators.groq.abandoned, 0, 'the upstream call was not cut')
})

t.test('a connection that never sent a byte does not hold shutdown up, and a used idle one neither', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  const port = Number(new URL(gateway.url).port)
  // Opened ahead of use, as clients and load balancers do: Node counts it as waiting for its first request.
  const unused = connect(port, '127.0.0.1')
  await once(unused, 'connect')
  const used = await fetch(`${gateway.url}/healthz`)
  await used.arrayBuffer()
  const unusedClosed = once(unused, 'close')
  const started = Date.now()
  const closed = await Promise.race([gateway.app.close().then(() => true), sleep(3000).then(() => false)])
  t.ok(closed, `the gateway closed in ${Date.now() - started} ms (Node's headers timeout would hold it a minute)`)
  await unusedClosed
  t.pass('the unused connection was closed')
  unused.destroy()
})
