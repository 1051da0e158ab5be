import t from 'tap'
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
