import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import Database from 'better-sqlite3'
import pg from 'pg'
import type { StoreDatabase } from './schema.ts'
import { migrateToLatest } from './migrations.ts'
import { createSqlStore, type StoreSettings } from './sql-store.ts'
import { createSqliteBatchWriter } from './sqlite-writer.ts'
import { createPostgresBatchWriter } from './postgres-writer.ts'
import type { Store } from './store.ts'
import type { StoreLocation } from './location.ts'

/** A SQL store (SQLite or Postgres): its database opened, its migrations run. */
export async function openSqlStore (location: Exclude<StoreLocation, { kind: 'memory' }>, settings: StoreSettings): Promise<Store> {
  const sqlite = location.kind === 'sqlite' ? await openSqliteFile(location.file) : undefined
  const pool = location.kind === 'postgres' ? await openPostgresPool(location.url, location.schema) : undefined
  const db = sqlite !== undefined
    ? new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: sqlite }) })
    : new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool: pool as pg.Pool }) })
  try {
    await migrateToLatest(db as Kysely<unknown>, undefined, location.kind === 'postgres' ? location.schema : undefined)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return createSqlStore(db, {
    ...settings,
    kind: location.kind,
    writeBatch: sqlite !== undefined ? createSqliteBatchWriter(sqlite) : createPostgresBatchWriter(pool as pg.Pool)
  })
}

export async function openSqliteFile (file: string): Promise<Database.Database> {
  const path = resolve(file)
  await mkdir(dirname(path), { recursive: true })
  const database = new Database(path)
  // WAL: readers never wait for the writer, and a crash loses at most the last transaction, never the file.
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('busy_timeout = 5000')
  return database
}

export async function openPostgresPool (url: string, schema: string | undefined): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: 2_000,
    // Counts and times are bigint columns: numbers here, not strings (they stay far below 2^53).
    types: { getTypeParser: ((oid: number, format?: string) => oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser },
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` })
  })
  // An idle client whose server went away must not take the process down.
  pool.on('error', () => {})
  if (schema !== undefined) {
    const client = await pool.connect()
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    } finally {
      client.release()
    }
  }
  return pool
}
