import { Kysely, SqliteDialect, PostgresDialect, sql } from 'kysely'
import type { StoreDatabase } from './schema.ts'
import { ROLLUP_TABLES } from './rollup.ts'
import { migrateToLatest } from './migrations.ts'
import type { StoreLocation } from './location.ts'
import { openPostgresPool, openSqliteFile } from './open-sql-store.ts'

// Pages sized under SQLite's 32,766 bound parameters per statement (22 per request row, 36 per rollup row).
const REQUEST_PAGE = 1_000
const ROLLUP_PAGE = 500

export interface CopyReport { requests: number, rollups: number, settings: number, keys: number }

/**
 * Copies a whole store into another (SQLite to Postgres, or back): raw requests, the three rollup tables as they
 * are (so history older than the raw rows' retention comes along), and provider settings. The target is migrated
 * first and must be empty; run it with the gateways stopped, or accept that rows written meanwhile stay behind.
 */
export async function copyStore (from: StoreLocation, to: StoreLocation, onProgress: (table: string, rows: number) => void = () => {}): Promise<CopyReport> {
  const source = await open(from)
  const target = await open(to)
  try {
    await migrateToLatest(target as Kysely<unknown>, undefined, to.kind === 'postgres' ? to.schema : undefined)
    const existing = await target.selectFrom('requests').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
    if (Number(existing.n) > 0) throw new Error('the target store is not empty: copy into a new database or schema')
    const report: CopyReport = { requests: 0, rollups: 0, settings: 0, keys: 0 }

    let after: { ts: number, id: string } | undefined
    for (;;) {
      let page = source.selectFrom('requests').selectAll().orderBy('ts').orderBy('id').limit(REQUEST_PAGE)
      if (after !== undefined) {
        const { ts, id } = after
        page = page.where((eb) => eb.or([eb('ts', '>', ts), eb.and([eb('ts', '=', ts), eb('id', '>', id)])]))
      }
      const rows = await page.execute()
      if (rows.length === 0) break
      await target.insertInto('requests').values(rows.map((row) => ({ ...row, ts: Number(row.ts) }))).execute()
      report.requests += rows.length
      const last = rows[rows.length - 1] as { ts: number, id: string }
      after = { ts: Number(last.ts), id: last.id }
      onProgress('requests', report.requests)
    }

    for (const table of ROLLUP_TABLES) {
      let copied = 0
      let last: { period: number, provider: string, model: string, key_id: string } | undefined
      for (;;) {
        let page = source.selectFrom(table).selectAll().orderBy('period').orderBy('provider').orderBy('model').orderBy('key_id').limit(ROLLUP_PAGE)
        if (last !== undefined) {
          const { period, provider, model, key_id: keyId } = last
          page = page.where(sql<boolean>`(period, provider, model, key_id) > (${period}, ${provider}, ${model}, ${keyId})`)
        }
        const rows = await page.execute()
        if (rows.length === 0) break
        await target.insertInto(table).values(rows).execute()
        copied += rows.length
        report.rollups += rows.length
        const end = rows[rows.length - 1] as { period: number, provider: string, model: string, key_id: string }
        last = { period: Number(end.period), provider: end.provider, model: end.model, key_id: end.key_id }
        onProgress(table, copied)
      }
    }

    const settings = await source.selectFrom('provider_settings').selectAll().execute()
    if (settings.length > 0) await target.insertInto('provider_settings').values(settings).execute()
    report.settings = settings.length
    const declarations = await source.selectFrom('routing_declarations').selectAll().execute()
    if (declarations.length > 0) await target.insertInto('routing_declarations').values(declarations).execute()
    const keys = await source.selectFrom('virtual_keys').selectAll().execute()
    if (keys.length > 0) await target.insertInto('virtual_keys').values(keys).execute()
    const install = await source.selectFrom('install_settings').selectAll().execute()
    if (install.length > 0) await target.insertInto('install_settings').values(install).execute()
    report.keys = keys.length
    return report
  } finally {
    await source.destroy()
    await target.destroy()
  }
}

async function open (location: StoreLocation): Promise<Kysely<StoreDatabase>> {
  if (location.kind === 'memory') throw new Error('a memory store has nothing to copy, and keeps nothing copied into it')
  const dialect = location.kind === 'sqlite'
    ? new SqliteDialect({ database: await openSqliteFile(location.file) })
    : new PostgresDialect({ pool: await openPostgresPool(location.url, location.schema) })
  return new Kysely<StoreDatabase>({ dialect })
}
