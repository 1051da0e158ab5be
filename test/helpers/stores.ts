import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

interface Teardown { teardown: (fn: () => unknown) => void }

/** A fresh SQLite file's STORE_URL, removed after the test. */
export async function sqliteStoreUrl (t: Teardown): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'switchyard-store-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  return `sqlite:${join(folder, 'switchyard.db')}`
}

/**
 * A STORE_URL on the test Postgres with a schema of its own, dropped after the test; undefined when Postgres
 * cannot be reached and this is not CI. In CI a missing Postgres throws: it is a failure, not a skip.
 */
export async function postgresStoreUrl (t: Teardown): Promise<string | undefined> {
  const schema = `sy_test_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`Postgres is required in CI and is not reachable at ${TEST_POSTGRES_URL}: ${(error as Error).message}`)
    return undefined
  } finally {
    await client.end().catch(() => {})
  }
  t.teardown(async () => {
    const cleaner = new pg.Client({ connectionString: TEST_POSTGRES_URL })
    await cleaner.connect()
    await cleaner.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await cleaner.end()
  })
  const url = new URL(TEST_POSTGRES_URL)
  url.searchParams.set('schema', schema)
  return url.toString()
}
