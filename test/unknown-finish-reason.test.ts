import t from 'tap'
import { createCallContext } from '../src/call/call-provider.ts'
import { definition as gemini } from '../providers/gemini/definition.ts'
import { definition as anthropic } from '../providers/anthropic/definition.ts'
import { definition as cohere } from '../providers/cohere/definition.ts'
import { definition as groq } from '../providers/groq/definition.ts'
import { startSimulator as startGemini } from '../providers/gemini/simulator.ts'
import { postChat, simulatorEnv, startGateway } from './helpers/gateway.ts'

// A finish reason nobody documented yet becomes `stop` for the client, and the raw value reaches the log.

t.test('every translator reports an unknown finish reason instead of hiding it', async (t) => {
  const bodies = [
    [gemini, { candidates: [{ content: { parts: [{ text: 'x' }], role: 'model' }, finishReason: 'BRAND_NEW' }] }],
    [anthropic, { id: 'msg_1', content: [{ type: 'text', text: 'x' }], stop_reason: 'brand_new' }],
    [cohere, { id: 'c', message: { content: [{ type: 'text', text: 'x' }] }, finish_reason: 'BRAND_NEW' }],
    [groq, { id: 'g', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'brand_new' }] }]
  ] as const
  for (const [definition, body] of bodies) {
    const notices: Array<Record<string, unknown>> = []
    const ctx = createCallContext(definition.name, 'm', 'r', false, (_message, fields) => { notices.push(fields) })
    t.equal(definition.fromUpstreamResponse(body, ctx).choices[0]?.finish_reason, 'stop', definition.name)
    t.match(notices, [{ [definition.name === 'anthropic' ? 'stopReason' : 'finishReason']: /brand_new/i }], `${definition.name} noticed`)
  }
})

t.test('the gateway logs it with the provider and model', async (t) => {
  const simulator = await startGemini()
  t.teardown(() => simulator.close())
  const gateway = await startGateway(t, simulatorEnv({ gemini: simulator }))
  simulator.fail({ kind: 'status', status: 200, body: { candidates: [{ content: { parts: [{ text: 'hi' }], role: 'model' }, finishReason: 'BRAND_NEW' }] } })
  const response = await postChat(gateway.url, { model: 'gemini:gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] })
  t.match(await response.json(), { choices: [{ finish_reason: 'stop' }] })
  const line = gateway.logs.find((entry) => entry.includes('unknown finish reason'))
  t.match(JSON.parse(line ?? '{}'), { level: 40, provider: 'gemini', model: 'gemini-2.5-flash', finishReason: 'BRAND_NEW' })
})
