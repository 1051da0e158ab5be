import type pg from 'pg'
import { ADDITIVE_COLUMNS, ROLLUPS, rollupsOf } from './rollup.ts'
import type { StoredRequest } from './store.ts'

const REQUEST_COLUMNS: ReadonlyArray<readonly [column: string, type: string, read: (request: StoredRequest) => unknown]> = [
  ['id', 'text', (request) => request.id],
  ['request_id', 'text', (request) => request.requestId],
  ['ts', 'bigint', (request) => request.timestampMs],
  ['provider', 'text', (request) => request.provider],
  ['model', 'text', (request) => request.model],
  ['endpoint', 'text', (request) => request.endpoint],
  ['ingress', 'text', (request) => request.ingress],
  ['stream', 'integer', (request) => request.stream ? 1 : 0],
  ['tokens_in', 'integer', (request) => request.tokensIn],
  ['tokens_out', 'integer', (request) => request.tokensOut],
  ['cached_tokens', 'integer', (request) => request.cachedTokensIn],
  ['reasoning_tokens', 'integer', (request) => request.reasoningTokens],
  ['latency_ms', 'double precision', (request) => request.latencyMs],
  ['ttft_ms', 'double precision', (request) => request.timeToFirstTokenMs],
  ['cost', 'double precision', (request) => request.cost],
  ['cost_source', 'text', (request) => request.costSource],
  ['success', 'integer', (request) => request.success ? 1 : 0],
  ['status_code', 'integer', (request) => request.statusCode],
  ['error_message', 'text', (request) => request.errorMessage],
  ['error_kind', 'text', (request) => request.errorKind],
  ['attempts', 'text', (request) => request.attempts],
  ['key_id', 'text', (request) => request.keyId],
  ['queued_ms', 'double precision', (request) => request.queuedMs],
  ['soft_failure', 'text', (request) => request.softFailure],
  ['experiment', 'text', (request) => request.experiment],
  ['arm', 'text', (request) => request.arm]
]
const ROLLUP_KEYS = [['period', 'bigint'], ['provider', 'text'], ['model', 'text'], ['key_id', 'text']] as const
const ROLLUP_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ...ROLLUP_KEYS,
  ...ADDITIVE_COLUMNS.map((column) => [column, column === 'cost' || column.endsWith('_sum') ? 'double precision' : 'bigint'] as const)
]

const INSERT_REQUESTS = `INSERT INTO requests (${REQUEST_COLUMNS.map(([column]) => column).join(', ')}) ` +
  `SELECT * FROM unnest(${REQUEST_COLUMNS.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')}) ON CONFLICT (id) DO NOTHING`
const upsertRollups = (table: string): string =>
  `INSERT INTO ${table} (${ROLLUP_COLUMNS.map(([column]) => column).join(', ')}) ` +
  `SELECT * FROM unnest(${ROLLUP_COLUMNS.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')}) ` +
  `ON CONFLICT (period, provider, model, key_id) DO UPDATE SET ${ADDITIVE_COLUMNS.map((column) => `${column} = ${table}.${column} + excluded.${column}`).join(', ')}`
const UPSERTS = new Map(ROLLUPS.map(({ table, periodMs }) => [periodMs, upsertRollups(table)]))

/**
 * The Postgres store's batch write: one statement per table, the batch passed as one array per column and
 * `unnest`ed by the server, in one transaction. Kysely's multi-row inserts cost about 95 µs of gateway CPU per row
 * in the seed (building and serialising a statement with a parameter per value); this sends 22 arrays. The SQL is
 * fixed text: values only ever travel as parameters.
 */
export function createPostgresBatchWriter (pool: pg.Pool): (rows: readonly StoredRequest[]) => Promise<void> {
  return async (rows) => {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await client.query(INSERT_REQUESTS, REQUEST_COLUMNS.map(([, , read]) => rows.map(read)))
      for (const { periodMs } of ROLLUPS) {
        const rollups = rollupsOf(rows, periodMs)
        await client.query(UPSERTS.get(periodMs) as string, ROLLUP_COLUMNS.map(([column]) => rollups.map((row) => row[column])))
      }
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }
}
