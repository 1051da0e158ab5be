import t from 'tap'
import { startSimulator as startAnthropic } from '../providers/anthropic/simulator.ts'
import { startSimulator as startGemini } from '../providers/gemini/simulator.ts'
import { postChat, simulatorEnv, startGateway } from './helpers/gateway.ts'

// OpenAI's reasoning_effort, translated to each native provider's own thinking settings, through real HTTP. The
// simulators refuse what the real APIs refuse (both Gemini fields at once, a budget below 1,024 or not below
// max_tokens, a budget on a model that takes adaptive thinking only), so a wrong translation fails here.

const gemini = await startGemini()
const anthropic = await startAnthropic()
t.teardown(() => Promise.all([gemini.close(), anthropic.close()]))
const gateway = await startGateway(t, simulatorEnv({ gemini, anthropic }))
t.beforeEach(() => { gemini.reset(); anthropic.reset() })

const hello = [{ role: 'user', content: 'Think, then say hello.' }]

async function chat (body: Record<string, unknown>): Promise<{ status: number, json: Record<string, unknown> }> {
  const response = await postChat(gateway.url, { messages: hello, ...body })
  return { status: response.status, json: await response.json() as Record<string, unknown> }
}

const sent = (simulator: typeof gemini): Record<string, unknown> => simulator.requests.at(-1)?.body as Record<string, unknown>

t.test('Gemini: a thinking level for Gemini 3, a token budget for 2.5, nothing for a model that does not think', async (t) => {
  const cases: Array<[string, string, unknown]> = [
    ['gemini-3-flash-preview', 'low', { thinkingLevel: 'LOW' }],
    ['gemini-3.1-pro-preview', 'xhigh', { thinkingLevel: 'HIGH' }],
    ['gemini-3-flash-preview', 'none', { thinkingLevel: 'MINIMAL' }],
    ['gemini-2.5-flash', 'medium', { thinkingBudget: 8192 }],
    ['gemini-2.5-flash', 'none', { thinkingBudget: 0 }],
    ['gemini-2.5-flash', 'max', { thinkingBudget: 24576 }],
    ['gemini-2.5-pro', 'none', { thinkingBudget: 128 }],
    ['gemini-2.5-pro', 'max', { thinkingBudget: 32768 }],
    ['gemini-2.0-flash', 'high', undefined]
  ]
  for (const [model, effort, expected] of cases) {
    const answer = await chat({ model: `gemini:${model}`, reasoning_effort: effort })
    t.equal(answer.status, 200, `${model} ${effort}: answered`)
    t.same((sent(gemini).generationConfig as { thinkingConfig?: unknown } | undefined)?.thinkingConfig, expected, `${model} ${effort}: thinkingConfig`)
  }
  const plain = await chat({ model: 'gemini:gemini-2.5-flash' })
  t.equal(plain.status, 200)
  t.equal(sent(gemini).generationConfig, undefined, 'without reasoning_effort, no thinkingConfig')
})

t.test('Anthropic: a budget below max_tokens for older models, adaptive thinking with an effort for newer ones', async (t) => {
  const budget = await chat({ model: 'anthropic:claude-sonnet-4-6', reasoning_effort: 'high', max_completion_tokens: 20000 })
  t.equal(budget.status, 200)
  t.same(sent(anthropic).thinking, { type: 'enabled', budget_tokens: 16384 })
  t.equal(sent(anthropic).max_tokens, 20000)

  const squeezed = await chat({ model: 'anthropic:claude-haiku-4-5', reasoning_effort: 'max', max_completion_tokens: 4000 })
  t.equal(squeezed.status, 200)
  t.same(sent(anthropic).thinking, { type: 'enabled', budget_tokens: 3999 }, 'the budget stays below max_tokens')

  const adaptive = await chat({ model: 'anthropic:claude-opus-5', reasoning_effort: 'minimal' })
  t.equal(adaptive.status, 200)
  t.same(sent(anthropic).thinking, { type: 'adaptive' })
  t.same(sent(anthropic).output_config, { effort: 'low' }, 'minimal is the least effort Anthropic takes')

  const structured = await chat({
    model: 'anthropic:claude-sonnet-5',
    reasoning_effort: 'xhigh',
    response_format: { type: 'json_schema', json_schema: { name: 'greeting', schema: { type: 'object', properties: { text: { type: 'string' } } } } }
  })
  t.equal(structured.status, 200)
  t.match(sent(anthropic).output_config, { effort: 'xhigh', format: { type: 'json_schema' } }, 'the effort joins the output format')

  const none = await chat({ model: 'anthropic:claude-sonnet-4-6', reasoning_effort: 'none' })
  t.equal(none.status, 200)
  t.equal(sent(anthropic).thinking, undefined, 'none sends no thinking at all')
})

t.test('what cannot be translated is a clear 400, before or from the provider', async (t) => {
  const unknown = await chat({ model: 'gemini:gemini-2.5-flash', reasoning_effort: 'extreme' })
  t.equal(unknown.status, 400)
  t.match(unknown.json, { error: { param: 'reasoning_effort', type: 'invalid_request_error', message: /one of none, minimal, low/ } })
  t.equal(gemini.requests.length, 0, 'nothing was sent')

  const tooSmall = await chat({ model: 'anthropic:claude-sonnet-4-6', reasoning_effort: 'low', max_completion_tokens: 1000 })
  t.equal(tooSmall.status, 400)
  t.match(tooSmall.json, { error: { param: 'max_completion_tokens', message: /at least 1024 tokens below max_tokens/ } })
  t.equal(anthropic.requests.length, 0, 'nothing was sent')

  const sampling = await chat({ model: 'anthropic:claude-sonnet-4-6', reasoning_effort: 'low', temperature: 0.3 })
  t.equal(sampling.status, 400, "Anthropic's own refusal reaches the client")
  t.match(sampling.json, { error: { message: /Anthropic error \(400.*temperature. may only be set to 1/ } })
})
