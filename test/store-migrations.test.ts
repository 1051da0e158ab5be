import t from 'tap'
import { Kysely, sql, type Migration } from 'kysely'
import { MIGRATIONS, migrateToLatest } from '../src/store/migrations.ts'
import { openStore, parseStoreUrl } from '../src/store/open-store.ts'
import { postgresStoreUrl, sqliteStoreUrl } from './helpers/stores.ts'

const settings = { batchSize: 500, intervalMs: 50, maxQueued: 1_000, onTrouble: () => {}, onRecovered: () => {} }

/** A migration a later build might add. */
const NEXT: Record<string, Migration> = {
  ...MIGRATIONS,
  '9999-test-next': {
    async up (db: Kysely<unknown>) {
      await db.schema.alterTable('requests').addColumn('region', 'text').execute()
    }
  }
}

for (const [name, urlOf] of [['sqlite', sqliteStoreUrl], ['postgres', postgresStoreUrl]] as const) {
  t.test(`${name}: from empty, from the previous version, and never against a newer schema`, async (t) => {
    const url = await urlOf(t)
    if (url === undefined) {
      t.comment('SKIPPED: Postgres not reachable; in CI this fails instead')
      return
    }
    const schema = (parseStoreUrl(url) as { schema?: string }).schema
    // The first release's schema (0001 only), then this build: 0002 adds the virtual keys beside what is there, 0003
    // the admission queue's columns to the requests and rollups, 0004 the soft failures'.
    const early = await rawDatabase(url)
    t.same(await migrateToLatest(early, { '0001-requests-rollups-settings': MIGRATIONS['0001-requests-rollups-settings'] as Migration }, schema), ['0001-requests-rollups-settings'])
    await early.destroy()
    // From the previous version: the store opens, adds its new tables and takes a row and a key.
    const first = await openStore(parseStoreUrl(url), settings)
    await first.putKey({ id: 'vk_1', keyHash: 'h', name: 'team-a', spec: '{}', createdAt: 1, updatedAt: 1, revokedAt: null })
    t.same((await first.keys()).map((key) => key.name), ['team-a'])
    first.append({
      id: 'a', requestId: 'r', timestampMs: 1, provider: 'p', model: 'm', endpoint: '/v1/chat/completions', ingress: 'openai', stream: false,
      tokensIn: 1, tokensOut: 1, cachedTokensIn: 0, reasoningTokens: 0, latencyMs: 1, timeToFirstTokenMs: null, cost: 0, costSource: 'unknown',
      success: true, statusCode: 200, errorMessage: null, errorKind: null, attempts: 'p:200', keyId: '', queuedMs: 12, queueRefusal: null, softFailure: null, experiment: null, arm: null
    })
    await first.flush()
    await first.close()

    // A later build's migration runs on the previous version's data and keeps it.
    const db = await rawDatabase(url)
    t.same(await migrateToLatest(db, NEXT, schema), ['9999-test-next'])
    t.same(await migrateToLatest(db, NEXT, schema), [], 'nothing twice')
    const rows = await sql<{ id: string, region: string | null }>`select id, region from requests`.execute(db)
    t.same(rows.rows, [{ id: 'a', region: null }])
    await db.destroy()

    // This build, against that newer schema: refused, naming why.
    await t.rejects(openStore(parseStoreUrl(url), settings), /newer than this build of Switchyard/)
  })
}

/** A Kysely on the store's database with the same dialect openStore uses, for driving migrations by hand. */
async function rawDatabase (url: string): Promise<Kysely<unknown>> {
  const location = parseStoreUrl(url)
  if (location.kind === 'sqlite') {
    const { SqliteDialect } = await import('kysely')
    const { default: Database } = await import('better-sqlite3')
    return new Kysely({ dialect: new SqliteDialect({ database: new Database(location.file) }) })
  }
  if (location.kind !== 'postgres') throw new Error('no raw database for memory')
  const { PostgresDialect } = await import('kysely')
  const { default: pg } = await import('pg')
  return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location.url, ...(location.schema === undefined ? {} : { options: `-c search_path=${location.schema}` }) }) }) })
}
