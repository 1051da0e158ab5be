import t from 'tap'
import { postChat, simulatorEnv, startGateway, startSimulators } from './helpers/gateway.ts'

// x-request-id: kept from the client (or a proxy in front) when acceptable, so one id follows the request.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('an acceptable incoming x-request-id is kept, in the answer and the logs; anything else gets a new one', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), LOG_LEVEL: 'info' })
  const chat = { model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }

  const kept = await postChat(gateway.url, chat, { headers: { 'x-request-id': 'lb-7f3a.42:abc_Z' } })
  await kept.text()
  t.equal(kept.headers.get('x-request-id'), 'lb-7f3a.42:abc_Z')
  t.ok(gateway.logs.some((line) => line.includes('"reqId":"lb-7f3a.42:abc_Z"') && line.includes('request completed')), 'the log line carries it')

  for (const sent of ['has a space', 'x'.repeat(129), 'quote"d', '']) {
    const replaced = await postChat(gateway.url, chat, { headers: { 'x-request-id': sent } })
    await replaced.text()
    t.match(replaced.headers.get('x-request-id'), UUID, `${JSON.stringify(sent.slice(0, 20))} is replaced by a new id`)
  }
  const fresh = await postChat(gateway.url, chat)
  await fresh.text()
  t.match(fresh.headers.get('x-request-id'), UUID, 'none sent: a new id')
})
