import t from 'tap'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type { Env } from '../src/config/config.ts'
import { buildApp } from '../src/app.ts'
import { postChat, simulatorEnv, startGateway, startSimulators } from './helpers/gateway.ts'
import { sqliteStoreUrl } from './helpers/stores.ts'

// A/B experiments and the x-switchyard-route explanation (issue 24), through HTTP against simulators.

const simulators = await startSimulators(t)
t.beforeEach(() => { for (const simulator of Object.values(simulators)) simulator.reset() })

const OPENAI = 'openai:gpt-4o-mini'
const GROQ = 'groq:llama-3.1-8b-instant'
const ADMIN = 'admin-secret'

async function settingFile (name: string, content: unknown): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'sy-experiments-')), name)
  await writeFile(file, JSON.stringify(content))
  return file
}

async function experimentsEnv (experiments: Record<string, unknown>, extra: Env = {}): Promise<Env> {
  return { ...simulatorEnv(simulators), DEFAULT_PROVIDER: 'openai', EXPERIMENTS_FILE: await settingFile('experiments.json', { experiments }), ...extra }
}

interface Answer { status: number, provider: string | null, experiment: string | null, arm: string | null, route: string | null }

async function send (url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await postChat(url, { messages: [{ role: 'user', content: 'hi' }], ...body }, { headers })
  await response.text()
  const header = (name: string): string | null => response.headers.get(name)
  return { status: response.status, provider: header('x-switchyard-provider'), experiment: header('x-switchyard-experiment'), arm: header('x-switchyard-arm'), route: header('x-switchyard-route') }
}

async function admin<T> (url: string, path: string): Promise<T> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return await response.json() as T
}

interface ArmResult {
  arm: string
  requests: number
  answeredByArm: number
  errorRate: number | null
  latencyMs: { mean: number | null, p50: number | null }
  vsControl?: Record<string, { difference: number, low: number, high: number, significant: boolean } | null>
}

const SPLIT = { model: 'gpt-4o-mini', stickiness: 'user', arms: [{ name: 'control', model: OPENAI, weight: 80 }, { name: 'groq', model: GROQ, weight: 20 }] }

t.test('an 80/20 experiment splits 5,000 users within ±3 %, and its results match the raw log', async (t) => {
  const gateway = await startGateway(t, await experimentsEnv({ split: SPLIT }, { STORE_URL: await sqliteStoreUrl(t), LOG_LEVEL: 'warn', ADMIN_API_KEY: ADMIN }))
  const TOTAL = 5_000
  const seen = { control: 0, groq: 0 }
  let next = 0
  const client = async (): Promise<void> => {
    while (next < TOTAL) {
      const user = `user-${next++}`
      const answer = await send(gateway.url, { model: 'gpt-4o-mini', user })
      if (answer.status !== 200 || answer.experiment !== 'split') throw new Error(`${user}: ${JSON.stringify(answer)}`)
      if (answer.arm === 'control' && answer.provider === 'openai') seen.control++
      else if (answer.arm === 'groq' && answer.provider === 'groq') seen.groq++
      else throw new Error(`${user}: arm ${answer.arm} answered by ${answer.provider}`)
    }
  }
  await Promise.all(Array.from({ length: 16 }, client))
  t.ok(Math.abs(seen.groq / TOTAL - 0.2) <= 0.03, `Groq's arm took ${(100 * seen.groq / TOTAL).toFixed(1)} % (20 ± 3)`)
  t.equal(seen.control + seen.groq, TOTAL)

  const results = await admin<{ control: string, results: ArmResult[] }>(gateway.url, '/providers/experiments/split')
  // Counted again from the raw log, page by page.
  const fromLog: Record<string, number> = {}
  let cursor: string | null = null
  do {
    const page: { logs: Array<{ arm: string, success: boolean }>, nextCursor: string | null } =
      await admin(gateway.url, `/providers/logs?experiment=split&limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`)
    for (const row of page.logs) fromLog[row.arm] = (fromLog[row.arm] ?? 0) + 1
    cursor = page.nextCursor
  } while (cursor !== null)
  t.same(fromLog, seen, 'the raw log holds every request, in its arm')
  t.equal(results.control, 'control')
  t.same(results.results.map((arm) => [arm.arm, arm.requests, arm.answeredByArm, arm.errorRate]), [['control', seen.control, seen.control, 0], ['groq', seen.groq, seen.groq, 0]])
  const vs = results.results[1]?.vsControl
  t.ok(vs?.errorRate !== undefined && vs.errorRate !== null && !vs.errorRate.significant, 'no errors either side: no difference')
  t.ok(vs?.latencyMs !== null && vs?.latencyMs !== undefined && vs.latencyMs.low <= vs.latencyMs.difference && vs.latencyMs.difference <= vs.latencyMs.high, 'a latency difference with its interval')
})

t.test('the same user always lands in the same arm; a header or the key can hold it instead', async (t) => {
  const gateway = await startGateway(t, await experimentsEnv({
    split: SPLIT,
    bySession: { ...SPLIT, model: 'gpt-4o', stickiness: 'header:x-session-id', arms: [{ model: 'openai:gpt-4o', weight: 1 }, { model: 'groq:llama-3.3-70b-versatile', weight: 1 }] },
    byKey: { ...SPLIT, model: 'gpt-4.1-mini', stickiness: 'key', arms: [{ model: 'openai:gpt-4.1-mini', weight: 1 }, { model: 'groq:llama-3.3-70b-versatile', weight: 1 }] }
  }, { GATEWAY_API_KEYS: 'k-1,k-2,k-3,k-4,k-5,k-6' }))
  for (const user of ['alice', 'bob', 'carol', 'dave']) {
    const arms = new Set<string | null>()
    for (let index = 0; index < 25; index++) arms.add((await send(gateway.url, { model: 'gpt-4o-mini', user }, { authorization: 'Bearer k-1' })).arm)
    t.equal(arms.size, 1, `${user}: always ${[...arms].join()}`)
  }
  const bySession = new Map<string, Set<string | null>>()
  for (let index = 0; index < 60; index++) {
    const session = `s${index % 12}`
    const answer = await send(gateway.url, { model: 'gpt-4o' }, { authorization: 'Bearer k-2', 'x-session-id': session })
    t.equal(answer.experiment, 'bySession')
    bySession.set(session, (bySession.get(session) ?? new Set()).add(answer.arm))
  }
  t.ok([...bySession.values()].every((arms) => arms.size === 1), 'one arm per session header')
  t.equal(new Set([...bySession.values()].map((arms) => [...arms][0])).size, 2, 'twelve sessions fill both arms')
  const byKey = new Map<string, Set<string | null>>()
  for (let index = 0; index < 36; index++) {
    const key = `k-${1 + (index % 6)}`
    const answer = await send(gateway.url, { model: 'gpt-4.1-mini' }, { authorization: `Bearer ${key}` })
    byKey.set(key, (byKey.get(key) ?? new Set()).add(answer.arm))
  }
  t.ok([...byKey.values()].every((arms) => arms.size === 1), 'one arm per client key')
  const other = await send(gateway.url, { model: 'gpt-4.1' }, { authorization: 'Bearer k-1' })
  t.same([other.experiment, other.arm], [null, null], 'a model no experiment splits carries no experiment headers')
})

t.test('an arm that fails falls back to the rest of the plan, counted in its arm; the intervals see a slower arm', async (t) => {
  const gateway = await startGateway(t, await experimentsEnv({ split: { ...SPLIT, arms: [{ name: 'control', model: OPENAI, weight: 1 }, { name: 'groq', model: GROQ, weight: 1 }] } }))
  simulators.groq.fail({ kind: 'status', status: 503 }, 1)
  let fellBack: Answer | undefined
  for (let index = 0; fellBack === undefined && index < 50; index++) {
    const answer = await send(gateway.url, { model: 'gpt-4o-mini', user: `u${index}` })
    if (answer.arm === 'groq') fellBack = answer
  }
  t.match(fellBack, { status: 200, arm: 'groq', provider: 'openai' }, 'Groq failed: OpenAI answered, in Groq\'s arm')
  simulators.groq.fail({ kind: 'delay', ms: 40 }, 1000)
  for (let index = 100; index < 260; index++) await send(gateway.url, { model: 'gpt-4o-mini', user: `u${index}` })
  const { results } = await admin<{ results: ArmResult[] }>(gateway.url, '/providers/experiments/split')
  const groq = results.find((arm) => arm.arm === 'groq')
  const control = results.find((arm) => arm.arm === 'control')
  t.ok(groq !== undefined && control !== undefined && groq.requests > 0 && control.requests > 0, JSON.stringify(results.map((arm) => [arm.arm, arm.requests])))
  t.equal((groq?.requests ?? 0) - (groq?.answeredByArm ?? 0), 1, 'one of Groq\'s requests was answered by the fallback')
  t.ok(groq?.vsControl?.latencyMs?.significant === true && (groq.vsControl.latencyMs.low ?? 0) > 0, `Groq's arm is slower, and the interval says so: ${JSON.stringify(groq?.vsControl?.latencyMs)}`)
  const list = await admin<{ experiments: Array<{ name: string, running: boolean }> }>(gateway.url, '/providers/experiments')
  t.same(list.experiments.map((experiment) => [experiment.name, experiment.running]), [['split', true]])
  const missing = await fetch(`${gateway.url}/providers/experiments/nope`)
  t.equal(missing.status, 404)
  t.match(await missing.json(), { error: { code: 'experiment_not_found' } })
})

t.test('an experiment outside its start and end does not route', async (t) => {
  const gateway = await startGateway(t, await experimentsEnv({
    later: { ...SPLIT, start: '2999-01-01T00:00:00Z' },
    over: { ...SPLIT, start: '2001-01-01T00:00:00Z', end: '2002-01-01T00:00:00Z' }
  }))
  const answer = await send(gateway.url, { model: 'gpt-4o-mini', user: 'u' })
  t.same([answer.status, answer.experiment, answer.provider], [200, null, 'openai'])
})

t.test('EXPERIMENTS_FILE and MODEL_GROUPS_FILE may be YAML', async (t) => {
  const experiments = await settingFile('experiments.yaml', '')
  await writeFile(experiments, [
    'experiments:',
    '  split:',
    '    model: quick',
    '    stickiness: user',
    '    arms:',
    '      - { name: first, model: "groq:llama-3.1-8b-instant", weight: 1 }',
    '      - { name: second, model: "openai:gpt-4o-mini", weight: 1 }'
  ].join('\n'))
  const groups = await settingFile('groups.yml', '')
  await writeFile(groups, 'groups:\n  quick:\n    strategy: ordered\n    members:\n      - model: "openai:gpt-4o-mini"\n')
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), DEFAULT_PROVIDER: 'openai', EXPERIMENTS_FILE: experiments, MODEL_GROUPS_FILE: groups })
  const arms = new Set<string | null>()
  for (let index = 0; index < 20; index++) arms.add((await send(gateway.url, { model: 'quick', user: `u${index}` })).arm)
  t.same([...arms].sort(), ['first', 'second'])
  const broken = await settingFile('broken.yaml', '')
  await writeFile(broken, 'experiments: [unclosed')
  await t.rejects(buildApp({ env: { ...simulatorEnv(simulators), STORE_URL: 'memory', EXPERIMENTS_FILE: broken } }), /EXPERIMENTS_FILE=.*broken\.yaml cannot be read as YAML/)
})

t.test('x-switchyard-route explains the plan to a client showing the admin key, and to no one else', async (t) => {
  const groups = await settingFile('groups.json', { groups: { fast: { strategy: 'latency', members: [{ model: 'groq:llama-3.3-70b-versatile' }, { model: 'together:meta-llama/Llama-3.3-70B-Instruct-Turbo' }] } } })
  const gateway = await startGateway(t, await experimentsEnv({ split: SPLIT }, { MODEL_GROUPS_FILE: groups, ADMIN_API_KEY: ADMIN, GATEWAY_API_KEYS: 'client-key' }))
  const client = { authorization: 'Bearer client-key' }
  t.equal((await send(gateway.url, { model: 'fast' }, client)).route, null, 'not asked for')
  t.equal((await send(gateway.url, { model: 'fast' }, { ...client, 'x-switchyard-explain': 'client-key' })).route, null, 'a client key is not the admin key')
  const answer = await send(gateway.url, { model: 'fast' }, { ...client, 'x-switchyard-explain': ADMIN })
  t.equal(answer.status, 200)
  const route = JSON.parse(answer.route ?? '{}') as { rule: string, strategy: string, members: Array<{ member: string, latencyMs: number }>, order: string[] }
  t.match(route, { rule: 'group', group: 'fast', strategy: 'latency' })
  t.same(route.members.map((member) => member.member).sort(), ['groq:llama-3.3-70b-versatile', 'together:meta-llama/Llama-3.3-70B-Instruct-Turbo'])
  t.equal(route.order[0], `${answer.provider}:${answer.provider === 'groq' ? 'llama-3.3-70b-versatile' : 'meta-llama/Llama-3.3-70B-Instruct-Turbo'}`, 'the first in order answered')

  // Open Groq's circuit: the next explanation lists it as skipped, and why.
  simulators.groq.fail({ kind: 'status', status: 503 }, 1000)
  for (let index = 0; index < 8; index++) await send(gateway.url, { model: 'groq:llama-3.3-70b-versatile' }, client)
  let skipped: string[] | undefined
  for (let index = 0; skipped === undefined && index < 40; index++) {
    const explained = await send(gateway.url, { model: 'fast' }, { ...client, 'x-switchyard-explain': ADMIN })
    skipped = (JSON.parse(explained.route ?? '{}') as { skipped?: string[] }).skipped
  }
  t.match(skipped, [/^groq: circuit open for \d+ s more$/])
  const experiment = JSON.parse((await send(gateway.url, { model: 'gpt-4o-mini', user: 'x' }, { ...client, 'x-switchyard-explain': ADMIN })).route ?? '{}') as Record<string, unknown>
  t.match(experiment, { experiment: 'split', arm: /^(control|groq)$/ })
})

t.test('EXPLAIN_ROUTES=on explains every answer', async (t) => {
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), DEFAULT_PROVIDER: 'openai', EXPLAIN_ROUTES: 'on' })
  const answer = await send(gateway.url, { model: 'gpt-4o-mini' })
  t.match(JSON.parse(answer.route ?? '{}'), { rule: 'owned', order: [OPENAI] })
})

t.test('EXPERIMENTS_FILE faults stop start-up, naming the experiment', async (t) => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['one arm', { x: { ...SPLIT, arms: [SPLIT.arms[0]] } }, /EXPERIMENTS_FILE=.*\/experiments\/x\/arms/],
    ['unknown provider', { x: { ...SPLIT, arms: [SPLIT.arms[0], { model: 'nope:m', weight: 1 }] } }, /experiment 'x' arm 'nope:m' names 'nope:m', but no provider 'nope' is installed/],
    ['ends before it starts', { x: { ...SPLIT, start: '2030-01-02T00:00:00Z', end: '2030-01-01T00:00:00Z' } }, /experiment 'x' ends before it starts/],
    ['overlap', { x: SPLIT, y: { ...SPLIT, start: '2030-01-01T00:00:00Z' } }, /experiments 'x' and 'y' both split model 'gpt-4o-mini' at the same time/],
    ['two arms alike', { x: { ...SPLIT, arms: [SPLIT.arms[0], SPLIT.arms[0]] } }, /experiment 'x' names two arms alike/],
    ['a bad stickiness', { x: { ...SPLIT, stickiness: 'cookie' } }, /EXPERIMENTS_FILE=.*\/experiments\/x\/stickiness/]
  ]
  for (const [name, experiments, message] of cases) {
    const env = await experimentsEnv(experiments, { STORE_URL: 'memory' })
    await t.rejects(async () => {
      const app = await buildApp({ env, logStream: { write: () => true } as unknown as NodeJS.WritableStream })
      try { await app.ready() } finally { await app.close() }
    }, message, name)
  }
})
