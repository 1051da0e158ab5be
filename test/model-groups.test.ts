import t from 'tap'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type { Env } from '../src/config/config.ts'
import { postChat, simulatorEnv, startGateway, startSimulators, type Simulators } from './helpers/gateway.ts'
import { startSimulator as startAnthropic } from '../providers/anthropic/simulator.ts'

// Model groups and their strategies (issue 24, part one), through HTTP against simulators with set latencies.

const simulators = await startSimulators(t)
t.beforeEach(() => { for (const simulator of Object.values(simulators)) simulator.reset() })

const GROQ = 'groq:llama-3.3-70b-versatile'
const TOGETHER = 'together:meta-llama/Llama-3.3-70B-Instruct-Turbo'

async function groupsEnv (groups: Record<string, unknown>): Promise<Env> {
  const file = join(await mkdtemp(join(tmpdir(), 'sy-groups-')), 'groups.json')
  await writeFile(file, JSON.stringify({ groups }))
  return { ...simulatorEnv(simulators), DEFAULT_PROVIDER: 'openai', MODEL_GROUPS_FILE: file }
}

async function send (url: string, model: string, extra: Record<string, unknown> = {}) {
  const response = await postChat(url, { model, messages: [{ role: 'user', content: 'hi' }], ...extra })
  await response.text()
  return { status: response.status, provider: response.headers.get('x-switchyard-provider'), attempts: response.headers.get('x-switchyard-attempts') }
}

/** Each of the next `count` calls to a simulator takes `ms`. */
function takes (name: keyof Simulators, ms: number, count = 1000): void {
  simulators[name].reset()
  simulators[name].fail({ kind: 'delay', ms }, count)
}

async function shares (url: string, model: string, count: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {}
  for (let index = 0; index < count; index++) {
    const answer = await send(url, model)
    const provider = answer.provider ?? `status ${answer.status}`
    seen[provider] = (seen[provider] ?? 0) + 1
  }
  return seen
}

t.test('latency: at least 90 % to the faster member within 200 requests, and back within 200 once it slows down', async (t) => {
  const gateway = await startGateway(t, await groupsEnv({ fast: { strategy: 'latency', members: [{ model: GROQ }, { model: TOGETHER }] } }))
  // Far apart, so that a pause of the busy test machine on the fast one is not taken for the slow one's pace.
  takes('groq', 250)
  takes('together', 2)
  const first = await shares(gateway.url, 'fast', 200)
  t.ok((first.together ?? 0) >= 180, `to the faster (Together): ${JSON.stringify(first)}`)
  takes('together', 250)
  takes('groq', 2)
  const second = await shares(gateway.url, 'fast', 200)
  t.ok((second.groq ?? 0) >= 180, `after Together slowed down, to Groq: ${JSON.stringify(second)}`)
})

t.test('cost: the cheaper member, skipped while its circuit is open', async (t) => {
  // Groq's 8B model costs a fraction of gpt-4o.
  const gateway = await startGateway(t, await groupsEnv({ cheap: { strategy: 'cost', members: [{ model: 'openai:gpt-4o' }, { model: 'groq:llama-3.1-8b-instant' }] } }))
  t.match(await send(gateway.url, 'cheap'), { status: 200, provider: 'groq', attempts: 'groq:200' })
  simulators.groq.fail({ kind: 'status', status: 503 }, 5)
  for (let index = 0; index < 5; index++) t.match(await send(gateway.url, 'cheap'), { status: 200, provider: 'openai', attempts: 'groq:503,openai:200' }, 'falls back to the next member')
  t.match(await send(gateway.url, 'cheap'), { status: 200, provider: 'openai', attempts: 'openai:200' }, 'circuit open: not even tried')
  const health = await (await fetch(`${gateway.url}/providers/health`)).json() as { providers: Array<{ provider: string, circuit: string }> }
  t.match(health.providers.find((entry) => entry.provider === 'groq'), { circuit: 'open' })
})

t.test('a member whose answers are empty 30 % of the time loses traffic under latency and under weighted, and its soft failures are counted', async (t) => {
  const gateway = await startGateway(t, await groupsEnv({
    steady: { strategy: 'weighted', members: [{ model: GROQ }, { model: TOGETHER }] },
    quick: { strategy: 'latency', members: [{ model: GROQ }, { model: TOGETHER }] }
  }))
  simulators.groq.script = { emptyShare: 0.3 }
  const weighted = await shares(gateway.url, 'steady', 300)
  t.ok((weighted.groq ?? 0) < 0.4 * 300, `weighted: Groq's even share shrinks (${JSON.stringify(weighted)})`)
  const latency = await shares(gateway.url, 'quick', 200)
  t.ok((latency.groq ?? 0) < 0.25 * 200, `latency: Groq mostly passed over (${JSON.stringify(latency)})`)
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
  const counted = Number(/switchyard_soft_failures_total\{provider="groq",model="llama-3.3-70b-versatile",kind="empty"\} (\d+)/.exec(metrics)?.[1])
  t.ok(counted > 0 && counted <= (weighted.groq ?? 0) + (latency.groq ?? 0), `soft failures in Prometheus: ${counted}`)
  t.notMatch(metrics, /switchyard_soft_failures_total\{provider="together"/, 'none for the member that answers')
  // And in the store's rollups, per provider.
  const windowOf = async () => ((await (await fetch(`${gateway.url}/providers/metrics?window=15m`)).json()) as { providers: Array<{ provider: string, softFailures: number }> }).providers
  let stored: Array<{ provider: string, softFailures: number }> = []
  for (let tries = 0; tries < 400 && (stored.find((row) => row.provider === 'groq')?.softFailures ?? 0) !== counted; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    stored = await windowOf()
  }
  t.equal(stored.find((row) => row.provider === 'groq')?.softFailures, counted, 'the store counts the same')
  t.equal(stored.find((row) => row.provider === 'together')?.softFailures, 0)
})

t.test('broken tool arguments (whole and streamed, either ingress) and a stream stalling past the group\'s threshold are soft failures', async (t) => {
  const anthropic = await startAnthropic()
  t.teardown(() => anthropic.close())
  const gateway = await startGateway(t, {
    ...(await groupsEnv({
      tools: { strategy: 'ordered', members: [{ model: GROQ }, { model: TOGETHER }], stallMs: 80 },
      claude: { strategy: 'ordered', members: [{ model: 'anthropic:claude-sonnet-4-6' }] }
    })),
    ...simulatorEnv({ anthropic })
  })
  const softCount = async (provider: string, kind: string): Promise<number> => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
    const pattern = new RegExp(`switchyard_soft_failures_total\\{provider="${provider}",model="[^"]+",kind="${kind}"\\} (\\d+)`)
    return Number(pattern.exec(metrics)?.[1] ?? 0)
  }
  const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }]
  const ask = { messages: [{ role: 'user', content: 'weather?' }], tools }

  simulators.groq.script = { toolArguments: '{"city": "Par' }
  const whole = await postChat(gateway.url, { model: 'tools', ...ask })
  t.match(await whole.json(), { choices: [{ message: { tool_calls: [{ function: { arguments: '{"city": "Par' } }] } }] }, 'the answer goes out as it came')
  const streamed = await postChat(gateway.url, { model: 'tools', stream: true, ...ask })
  t.match(await streamed.text(), /data: \[DONE\]/)
  t.equal(await softCount('groq', 'bad_tool_json'), 2, 'whole and streamed')

  simulators.groq.script = { toolArguments: '{"town":"Paris"}' }
  await (await postChat(gateway.url, { model: 'tools', stream: true, ...ask })).text()
  t.equal(await softCount('groq', 'bad_tool_args'), 1, 'JSON that misses the schema\'s required property')
  simulators.groq.script = {}
  await (await postChat(gateway.url, { model: 'tools', stream: true, ...ask })).text()
  t.equal(await softCount('groq', 'bad_tool_args'), 1, 'arguments that fit are not counted')

  simulators.groq.script = { text: 'one two three four', chunkCount: 4, chunkDelayMs: 200 }
  await (await postChat(gateway.url, { model: 'tools', stream: true, messages: [{ role: 'user', content: 'hi' }] })).text()
  t.equal(await softCount('groq', 'stall'), 1, '200 ms between chunks, past the group\'s 80')
  await (await postChat(gateway.url, { model: GROQ, stream: true, messages: [{ role: 'user', content: 'hi' }] })).text()
  t.equal(await softCount('groq', 'stall'), 1, 'outside the group there is no threshold')

  // Anthropic's own clients to Anthropic: the bytes are relayed, and the streamed tool input is still checked.
  anthropic.script = { toolArguments: '{"city": ' }
  const relayed = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'weather?' }], tools: [{ name: 'weather', input_schema: tools[0]?.function.parameters }] })
  })
  t.match(await relayed.text(), /event: message_stop/)
  t.equal(await softCount('anthropic', 'bad_tool_json'), 1, 'the relayed stream\'s input_json_delta fragments, joined')
})

t.test('least-busy, ordered and weighted through HTTP; groups are listed in /v1/models and found by id', async (t) => {
  const gateway = await startGateway(t, await groupsEnv({
    first: { strategy: 'ordered', members: [{ model: TOGETHER }, { model: GROQ }] },
    split: { strategy: 'weighted', members: [{ model: GROQ, weight: 3 }, { model: TOGETHER, weight: 1 }] },
    idle: { strategy: 'least-busy', members: [{ model: GROQ }, { model: TOGETHER }] }
  }))
  t.same(await shares(gateway.url, 'first', 5), { together: 5 })
  t.same(await shares(gateway.url, 'split', 8), { groq: 6, together: 2 }, 'weights 3:1, exactly')
  // Two held at once: least-busy sends the second to the member the first is not on.
  takes('groq', 300, 2)
  takes('together', 300, 2)
  const both = await Promise.all([send(gateway.url, 'idle'), send(gateway.url, 'idle')])
  t.same(both.map((answer) => answer.provider).sort(), ['groq', 'together'])

  const models = await (await fetch(`${gateway.url}/v1/models`)).json() as { data: Array<{ id: string, owned_by: string, switchyard?: { group: { strategy: string, members: string[] } } }> }
  t.match(models.data.find((model) => model.id === 'split'), { owned_by: 'switchyard', switchyard: { group: { strategy: 'weighted', members: [GROQ, TOGETHER] } } })
  const one = await (await fetch(`${gateway.url}/v1/models/idle`)).json()
  t.match(one, { id: 'idle', switchyard: { group: { strategy: 'least-busy' } } })
})

t.test('MODEL_GROUPS_FILE faults stop start-up with a clear message', async (t) => {
  await t.rejects(startGateway(t, await groupsEnv({ bad: { strategy: 'fastest', members: [{ model: GROQ }] } })), /MODEL_GROUPS_FILE=.*\/groups\/bad\/strategy/)
  await t.rejects(startGateway(t, await groupsEnv({ bad: { strategy: 'ordered', members: [{ model: 'nosuch:model' }] } })), /group 'bad' names 'nosuch:model', but no provider 'nosuch' is installed/)
})
