import t from 'tap'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type { Env } from '../src/config/config.ts'
import { postChat, simulatorEnv, startGateway, startSimulators } from './helpers/gateway.ts'
import { postgresStoreUrl, sqliteStoreUrl } from './helpers/stores.ts'

// Model groups and A/B experiments declared through the admin API (issue 24): in force at once, stored, refused
// when they would leave routing invalid or a file declares the name, and followed by every replica.

const simulators = await startSimulators(t)
t.beforeEach(() => { for (const simulator of Object.values(simulators)) simulator.reset() })

const GROQ = 'groq:llama-3.3-70b-versatile'
const TOGETHER = 'together:meta-llama/Llama-3.3-70B-Instruct-Turbo'

async function fileEnv (): Promise<Env> {
  const folder = await mkdtemp(join(tmpdir(), 'sy-declarations-'))
  await writeFile(join(folder, 'groups.json'), JSON.stringify({ groups: { pinned: { strategy: 'ordered', members: [{ model: GROQ }] } } }))
  await writeFile(join(folder, 'experiments.json'), JSON.stringify({ experiments: { fromFile: { model: 'gpt-4o', stickiness: 'user', arms: [{ model: 'openai:gpt-4o', weight: 1 }, { model: GROQ, weight: 1 }] } } }))
  return { ...simulatorEnv(simulators), DEFAULT_PROVIDER: 'openai', MODEL_GROUPS_FILE: join(folder, 'groups.json'), EXPERIMENTS_FILE: join(folder, 'experiments.json') }
}

/** What the admin answers hold, loosely: each test reads the fields its endpoint has. */
interface Body {
  error?: { code?: string, message?: string }
  groups: Array<{ name: string, source: string }>
  experiments: Array<{ name: string, source: string }>
  results: Array<{ requests: number }>
  [field: string]: unknown
}

async function call (url: string, method: string, path: string, body?: unknown): Promise<{ status: number, json: Body }> {
  const response = await fetch(`${url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) })
  const text = await response.text()
  return { status: response.status, json: (text === '' ? {} : JSON.parse(text)) as Body }
}

async function answeredBy (url: string, model: string, extra: Record<string, unknown> = {}): Promise<{ provider: string | null, experiment: string | null, status: number }> {
  const response = await postChat(url, { model, messages: [{ role: 'user', content: 'hi' }], ...extra })
  await response.text()
  return { provider: response.headers.get('x-switchyard-provider'), experiment: response.headers.get('x-switchyard-experiment'), status: response.status }
}

t.test('a group declared through the admin API routes at once, is listed, survives a restart, and is deleted', async (t) => {
  const env = { ...(await fileEnv()), STORE_URL: await sqliteStoreUrl(t) }
  const first = await startGateway(t, env)
  t.not((await answeredBy(first.url, 'fast')).provider, 'together', 'before: planned as any unknown model (the default provider)')
  const put = await call(first.url, 'PUT', '/providers/groups/fast', { strategy: 'ordered', members: [{ model: TOGETHER }, { model: GROQ }] })
  t.equal(put.status, 200)
  t.match(put.json, { name: 'fast', source: 'api', strategy: 'ordered', enabledMembers: [TOGETHER, GROQ] })
  t.match(await answeredBy(first.url, 'fast'), { status: 200, provider: 'together' })
  const models = await (await fetch(`${first.url}/v1/models/fast`)).json()
  t.match(models, { id: 'fast', switchyard: { group: { strategy: 'ordered' } } })
  const listed = await call(first.url, 'GET', '/providers/groups')
  t.same(listed.json.groups.map((group: { name: string, source: string }) => [group.name, group.source]), [['pinned', 'file'], ['fast', 'api']])

  await first.app.close()
  const second = await startGateway(t, env)
  t.match(await answeredBy(second.url, 'fast'), { status: 200, provider: 'together' }, 'kept in the store')
  t.equal((await call(second.url, 'DELETE', '/providers/groups/fast')).status, 204)
  t.equal((await call(second.url, 'DELETE', '/providers/groups/fast')).status, 404)
  t.not((await answeredBy(second.url, 'fast')).provider, 'together', 'gone: planned as any unknown model')
})

t.test('declarations that would leave routing invalid, or that a file owns, are refused and change nothing', async (t) => {
  const gateway = await startGateway(t, await fileEnv())
  const unknown = await call(gateway.url, 'PUT', '/providers/groups/bad', { strategy: 'ordered', members: [{ model: 'nosuch:model' }] })
  t.equal(unknown.status, 400)
  t.match(unknown.json, { error: { code: 'invalid_declaration', message: /model group 'bad' names 'nosuch:model', but no provider 'nosuch' is installed/ } })
  t.equal((await call(gateway.url, 'PUT', '/providers/groups/bad', { strategy: 'fastest', members: [{ model: GROQ }] })).status, 400, 'not a strategy')
  t.equal((await call(gateway.url, 'PUT', '/providers/groups/bad', { strategy: 'ordered', members: [] })).status, 400, 'no members')
  t.equal((await call(gateway.url, 'PUT', '/providers/groups/a%3Ab', { strategy: 'ordered', members: [{ model: GROQ }] })).status, 400, 'a name with a colon would shadow a pin')
  const owned = await call(gateway.url, 'PUT', '/providers/groups/pinned', { strategy: 'ordered', members: [{ model: TOGETHER }] })
  t.equal(owned.status, 409)
  t.match(owned.json, { error: { code: 'declared_in_file', message: /MODEL_GROUPS_FILE/ } })
  t.equal((await call(gateway.url, 'DELETE', '/providers/experiments/fromFile')).status, 409)
  const overlap = await call(gateway.url, 'PUT', '/providers/experiments/second', { model: 'gpt-4o', stickiness: 'key', arms: [{ model: 'openai:gpt-4o', weight: 1 }, { model: TOGETHER, weight: 1 }] })
  t.equal(overlap.status, 400)
  t.match(overlap.json, { error: { message: /experiments 'fromFile' and 'second' both split model 'gpt-4o'/ } })
  t.same((await call(gateway.url, 'GET', '/providers/groups')).json.groups.map((group: { name: string }) => group.name), ['pinned'], 'nothing was added')
  t.same((await gateway.app.store.declarations()), [], 'nor stored')
  t.match(await answeredBy(gateway.url, 'pinned'), { provider: 'groq' })
})

t.test('an experiment declared through the admin API splits traffic at once, and its results are there', async (t) => {
  const gateway = await startGateway(t, await fileEnv())
  const put = await call(gateway.url, 'PUT', '/providers/experiments/live', {
    model: 'gpt-4o-mini', stickiness: 'user', arms: [{ name: 'a', model: 'openai:gpt-4o-mini', weight: 1 }, { name: 'b', model: GROQ, weight: 1 }]
  })
  t.equal(put.status, 200)
  t.match(put.json, { name: 'live', source: 'api', running: true })
  const seen = new Set<string | null>()
  for (let index = 0; index < 20; index++) seen.add((await answeredBy(gateway.url, 'gpt-4o-mini', { user: `u${index}` })).provider)
  t.same([...seen].sort(), ['groq', 'openai'])
  const results = await call(gateway.url, 'GET', '/providers/experiments/live')
  t.equal(results.json.results.reduce((sum: number, arm: { requests: number }) => sum + arm.requests, 0), 20)
  t.same((await call(gateway.url, 'GET', '/providers/experiments')).json.experiments.map((experiment: { name: string, source: string }) => [experiment.name, experiment.source]),
    [['fromFile', 'file'], ['live', 'api']])
  t.equal((await call(gateway.url, 'PUT', '/providers/experiments/late', { model: 'x', stickiness: 'user', start: '2030-01-02T00:00:00Z', end: '2030-01-01T00:00:00Z', arms: [{ model: GROQ, weight: 1 }, { model: TOGETHER, weight: 1 }] })).status, 400)
  t.equal((await call(gateway.url, 'DELETE', '/providers/experiments/live')).status, 204)
  t.equal((await answeredBy(gateway.url, 'gpt-4o-mini', { user: 'u1' })).experiment, null)
})

t.test('replicas on one Postgres follow a declared group', async (t) => {
  const STORE_URL = await postgresStoreUrl(t)
  if (STORE_URL === undefined) {
    t.comment('SKIPPED: Postgres not reachable; in CI this fails instead')
    return
  }
  const env = { ...(await fileEnv()), STORE_URL, SETTINGS_POLL_MS: '100' }
  const a = await startGateway(t, env)
  const b = await startGateway(t, env)
  t.equal((await call(a.url, 'PUT', '/providers/groups/shared', { strategy: 'ordered', members: [{ model: TOGETHER }] })).status, 200)
  let followed = false
  for (let tries = 0; tries < 500 && !followed; tries++) {
    followed = (await call(b.url, 'GET', '/providers/groups')).json.groups.some((group: { name: string }) => group.name === 'shared')
    if (!followed) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.ok(followed, 'replica b lists it')
  t.match(await answeredBy(b.url, 'shared'), { status: 200, provider: 'together' })
  t.equal((await call(a.url, 'DELETE', '/providers/groups/shared')).status, 204)
  let gone = false
  for (let tries = 0; tries < 500 && !gone; tries++) {
    gone = !(await call(b.url, 'GET', '/providers/groups')).json.groups.some((group: { name: string }) => group.name === 'shared')
    if (!gone) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.ok(gone, 'and follows its deletion')
})
