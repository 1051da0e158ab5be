import t from 'tap'
import { simulatorEnv, startGateway, startSimulators } from './helpers/gateway.ts'

t.test('closing the gateway lets an in-flight stream finish and refuses new connections', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, simulatorEnv(simulators))
  simulators.groq.script = { chunkCount: 20, chunkDelayMs: 25 }
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'groq:llama-3.3-70b-versatile', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  })
  const reader = response.body?.getReader()
  let text = Buffer.from((await reader?.read())?.value ?? []).toString()
  const closing = gateway.app.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const refused = await fetch(`${gateway.url}/healthz`).then(() => false, () => true)
  t.ok(refused, 'new connections are refused while draining')
  for (;;) {
    const { done, value } = await reader?.read() ?? { done: true, value: undefined }
    if (done === true) break
    text += Buffer.from(value ?? []).toString()
  }
  t.ok(text.endsWith('data: [DONE]\n\n'), 'the in-flight stream finished normally (~500 ms of it remained at close)')
  await closing
  t.equal(simulators.groq.abandoned, 0, 'the upstream call was not cut')
})
