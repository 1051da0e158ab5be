import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { BUCKETS } from './latency-buckets.ts'
import { ROLLUP_TABLES } from './rollup.ts'

// Versioned migrations, in code so that the build carries them. Names sort in the order they run; a migration
// never changes once released: a new one follows it.

const MIGRATIONS: Record<string, Migration> = {
  '0001-requests-rollups-settings': {
    async up (db: Kysely<unknown>) {
      await db.schema.createTable('requests')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('request_id', 'text', (column) => column.notNull())
        .addColumn('ts', 'bigint', (column) => column.notNull())
        .addColumn('provider', 'text', (column) => column.notNull())
        .addColumn('model', 'text', (column) => column.notNull())
        .addColumn('endpoint', 'text', (column) => column.notNull())
        .addColumn('ingress', 'text', (column) => column.notNull())
        .addColumn('stream', 'integer', (column) => column.notNull())
        .addColumn('tokens_in', 'integer', (column) => column.notNull())
        .addColumn('tokens_out', 'integer', (column) => column.notNull())
        .addColumn('cached_tokens', 'integer', (column) => column.notNull())
        .addColumn('reasoning_tokens', 'integer', (column) => column.notNull())
        .addColumn('latency_ms', 'double precision', (column) => column.notNull())
        .addColumn('ttft_ms', 'double precision')
        .addColumn('cost', 'double precision', (column) => column.notNull())
        .addColumn('cost_source', 'text', (column) => column.notNull())
        .addColumn('success', 'integer', (column) => column.notNull())
        .addColumn('status_code', 'integer', (column) => column.notNull())
        .addColumn('error_message', 'text')
        .addColumn('error_kind', 'text')
        .addColumn('attempts', 'text', (column) => column.notNull())
        .addColumn('key_id', 'text', (column) => column.notNull())
        .execute()
      // The log is read newest first, whole or for one provider, model, key or status; pruning reads by time.
      await db.schema.createIndex('requests_ts').on('requests').columns(['ts', 'id']).execute()
      await db.schema.createIndex('requests_provider_ts').on('requests').columns(['provider', 'ts']).execute()
      await db.schema.createIndex('requests_model_ts').on('requests').columns(['model', 'ts']).execute()
      await db.schema.createIndex('requests_key_ts').on('requests').columns(['key_id', 'ts']).execute()
      await db.schema.createIndex('requests_status_ts').on('requests').columns(['status_code', 'ts']).execute()

      for (const table of ROLLUP_TABLES) {
        let rollups = db.schema.createTable(table)
          .addColumn('period', 'bigint', (column) => column.notNull())
          .addColumn('provider', 'text', (column) => column.notNull())
          .addColumn('model', 'text', (column) => column.notNull())
          .addColumn('key_id', 'text', (column) => column.notNull())
          .addColumn('requests', 'bigint', (column) => column.notNull())
          .addColumn('errors', 'bigint', (column) => column.notNull())
          .addColumn('tokens_in', 'bigint', (column) => column.notNull())
          .addColumn('tokens_out', 'bigint', (column) => column.notNull())
          .addColumn('cost', 'double precision', (column) => column.notNull())
          .addColumn('latency_sum', 'double precision', (column) => column.notNull())
          .addColumn('ttft_sum', 'double precision', (column) => column.notNull())
          .addColumn('ttft_count', 'bigint', (column) => column.notNull())
        for (let index = 0; index < BUCKETS; index++) {
          rollups = rollups
            .addColumn(`lat_${index}`, 'bigint', (column) => column.notNull().defaultTo(0))
            .addColumn(`ttft_${index}`, 'bigint', (column) => column.notNull().defaultTo(0))
        }
        await rollups.addPrimaryKeyConstraint(`${table}_pk`, ['period', 'provider', 'model', 'key_id']).execute()
      }

      await db.schema.createTable('provider_settings')
        .addColumn('provider', 'text', (column) => column.primaryKey())
        .addColumn('dispatch_mode', 'text')
        .addColumn('weight', 'double precision')
        .addColumn('model_map', 'text')
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .addColumn('revision', 'integer', (column) => column.notNull().defaultTo(1))
        .execute()
    }
  },
  '0002-virtual-keys': {
    async up (db: Kysely<unknown>) {
      await db.schema.createTable('virtual_keys')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('key_hash', 'text', (column) => column.notNull().unique())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('spec', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute()
      // Replicas poll for keys changed since their last look.
      await db.schema.createIndex('virtual_keys_updated').on('virtual_keys').column('updated_at').execute()
      await db.schema.createTable('install_settings')
        .addColumn('name', 'text', (column) => column.primaryKey())
        .addColumn('value', 'text', (column) => column.notNull())
        .execute()
    }
  },
  '0003-queue': {
    async up (db: Kysely<unknown>) {
      await db.schema.alterTable('requests').addColumn('queued_ms', 'double precision').execute()
      for (const table of ROLLUP_TABLES) {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        await db.schema.alterTable(table).addColumn('queued', 'bigint', (column) => column.notNull().defaultTo(0)).execute()
        await db.schema.alterTable(table).addColumn('queued_ms_sum', 'double precision', (column) => column.notNull().defaultTo(0)).execute()
        for (const column of ['queue_full', 'queue_timeout', 'queue_wait_too_long', ...Array.from({ length: BUCKETS }, (_, index) => `qwait_${index}`)]) {
          await db.schema.alterTable(table).addColumn(column, 'bigint', (definition) => definition.notNull().defaultTo(0)).execute()
        }
      }
    }
  },
  '0004-soft-failures': {
    async up (db: Kysely<unknown>) {
      await db.schema.alterTable('requests').addColumn('soft_failure', 'text').execute()
      for (const table of ROLLUP_TABLES) {
        await db.schema.alterTable(table).addColumn('soft_failures', 'bigint', (column) => column.notNull().defaultTo(0)).execute()
      }
    }
  },
  '0005-experiments': {
    async up (db: Kysely<unknown>) {
      await db.schema.alterTable('requests').addColumn('experiment', 'text').execute()
      await db.schema.alterTable('requests').addColumn('arm', 'text').execute()
      // An experiment's results read its own rows only.
      await db.schema.createIndex('requests_experiment').on('requests').columns(['experiment', 'ts']).execute()
    }
  },
  '0006-routing-declarations': {
    async up (db: Kysely<unknown>) {
      await db.schema.createTable('routing_declarations')
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('spec', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('routing_declarations_pk', ['kind', 'name'])
        .execute()
    }
  }
}

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1) as string

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS }

/**
 * Brings the schema up to date at start-up. A database that has run a migration this build does not know was
 * written by a newer Switchyard: this refuses to touch it (Kysely's migrator reports the unknown migration).
 * `schema` is the Postgres schema STORE_URL names, if any.
 */
export async function migrateToLatest (db: Kysely<unknown>, migrations: Record<string, Migration> = MIGRATIONS, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: migrations === MIGRATIONS ? provider : { getMigrations: async () => migrations },
    // With a Postgres schema of its own, Kysely's bookkeeping tables live there too, not in the first one it finds.
    ...(schema === undefined ? {} : { migrationTableSchema: schema })
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(/corrupted migrations/i.test(message)
      ? `The store's schema is newer than this build of Switchyard (${message}); upgrade Switchyard, or point STORE_URL at another database.`
      : `The store's migrations failed: ${message}`, { cause: error })
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName)
}

export { MIGRATIONS }
