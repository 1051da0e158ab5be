import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import Database from 'better-sqlite3'
import { startSimulator as startGroq } from '../providers/groq/simulator.ts'
import { freePort, waitForPort } from './bench/processes.ts'
import { startGateway } from './helpers/gateway.ts'
import { sqliteStoreUrl } from './helpers/stores.ts'

// kill -9 of a gateway writing to its SQLite store under load: the file opens cleanly afterwards, passes
// SQLite's integrity check, and the next gateway starts on it and serves its history.

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const groq = await startGroq()
t.teardown(() => groq.close())

/** A gateway process on `STORE_URL`, answered by the Groq simulator; killed when the test ends. */
async function startServer (t: { teardown: (fn: () => unknown) => void }, env: Record<string, string>): Promise<{ origin: string, exited: Promise<unknown[]>, kill: (signal: NodeJS.Signals) => void }> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), LOG_LEVEL: 'warn', GROQ_API_KEY: groq.apiKey, GROQ_BASE_URL: groq.url, DEFAULT_PROVIDER: 'groq', ...env },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const exited = once(child, 'exit')
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  await waitForPort(port)
  return { origin: `http://127.0.0.1:${port}`, exited, kill: (signal) => child.kill(signal) }
}

t.test('the SQLite file survives SIGKILL under load', async (t) => {
  const STORE_URL = await sqliteStoreUrl(t)
  const { origin, exited, kill } = await startServer(t, { STORE_URL, STORE_FLUSH_MS: '10', STORE_BATCH_ROWS: '20' })
  const body = JSON.stringify({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] })

  // Eight clients send requests back to back; once rows are on disk, the process is killed mid-load.
  let stop = false
  let answered = 0
  const clients = Array.from({ length: 8 }, async () => {
    while (!stop) {
      const response = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => undefined)
      if (response === undefined) return
      await response.text().catch(() => '')
      answered++
    }
  })
  const file = STORE_URL.slice('sqlite:'.length)
  for (;;) {
    const { logs } = await (await fetch(`${origin}/providers/logs?since=0&limit=1000`)).json() as { logs: unknown[] }
    if (logs.length >= 200) break
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  kill('SIGKILL')
  const [, signal] = await exited
  stop = true
  await Promise.all(clients)
  t.equal(signal, 'SIGKILL')

  const database = new Database(file)
  t.equal(database.pragma('integrity_check', { simple: true }), 'ok', 'the file passes SQLite\'s integrity check')
  const rows = (database.prepare('select count(*) as n from requests').get() as { n: number }).n
  database.close()
  t.ok(rows >= 200 && rows <= answered, `${rows} of ${answered} answered requests were on disk`)

  const next = await startGateway(t, { STORE_URL })
  const { logs } = await (await fetch(`${next.url}/providers/logs?since=0&limit=1000`)).json() as { logs: unknown[] }
  t.equal(logs.length, rows, 'the next gateway opens the file and serves what it holds')
})

t.test('SIGTERM writes what is queued before the process exits', async (t) => {
  const STORE_URL = await sqliteStoreUrl(t)
  // Batches would wait a minute: only the shutdown's flush can write these rows.
  const { origin, exited, kill } = await startServer(t, { STORE_URL, STORE_FLUSH_MS: '60000', SHUTDOWN_GRACE_MS: '5000' })
  const body = JSON.stringify({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] })
  for (let index = 0; index < 25; index++) {
    const response = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    t.equal(response.status, 200)
    await response.text()
  }
  kill('SIGTERM')
  const [code] = await exited
  t.equal(code, 0)
  const database = new Database(STORE_URL.slice('sqlite:'.length))
  t.equal((database.prepare('select count(*) as n from requests').get() as { n: number }).n, 25, 'all 25 rows are on disk')
  database.close()
})
