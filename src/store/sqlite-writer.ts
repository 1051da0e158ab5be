import type { Database, Statement } from 'better-sqlite3'
import { ADDITIVE_COLUMNS, ROLLUPS, rollupsOf } from './rollup.ts'
import type { StoredRequest } from './store.ts'

const REQUEST_COLUMNS = [
  'id', 'request_id', 'ts', 'provider', 'model', 'endpoint', 'ingress', 'stream', 'tokens_in', 'tokens_out',
  'cached_tokens', 'reasoning_tokens', 'latency_ms', 'ttft_ms', 'cost', 'cost_source', 'success', 'status_code',
  'error_message', 'error_kind', 'attempts', 'key_id', 'queued_ms', 'soft_failure',
  'experiment', 'arm'
] as const
const ROLLUP_COLUMNS = ['period', 'provider', 'model', 'key_id', ...ADDITIVE_COLUMNS] as const

/**
 * The SQLite store's batch write, on statements prepared once. Kysely builds, and better-sqlite3 prepares, a new
 * statement for every multi-row insert; for the write that runs behind every request that cost about 100 µs of
 * CPU per row in the seed's profile (`npm run store:seed`), most of it preparing and parsing. Queries stay on
 * Kysely. The SQL is fixed text: no value is ever spliced into it.
 */
export function createSqliteBatchWriter (database: Database): (rows: readonly StoredRequest[]) => void {
  const insertRequest = database.prepare(
    `INSERT INTO requests (${REQUEST_COLUMNS.join(', ')}) VALUES (${REQUEST_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`)
  const upserts = new Map<number, Statement>(ROLLUPS.map(({ table, periodMs }) => [periodMs, database.prepare(
    `INSERT INTO ${table} (${ROLLUP_COLUMNS.join(', ')}) VALUES (${ROLLUP_COLUMNS.map(() => '?').join(', ')}) ` +
    `ON CONFLICT (period, provider, model, key_id) DO UPDATE SET ${ADDITIVE_COLUMNS.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')}`)]))
  return database.transaction((rows: readonly StoredRequest[]) => {
    for (const request of rows) {
      insertRequest.run(
        request.id, request.requestId, request.timestampMs, request.provider, request.model, request.endpoint, request.ingress,
        request.stream ? 1 : 0, request.tokensIn, request.tokensOut, request.cachedTokensIn, request.reasoningTokens,
        request.latencyMs, request.timeToFirstTokenMs, request.cost, request.costSource, request.success ? 1 : 0,
        request.statusCode, request.errorMessage, request.errorKind, request.attempts, request.keyId, request.queuedMs, request.softFailure,
        request.experiment, request.arm)
    }
    for (const { periodMs } of ROLLUPS) {
      const upsert = upserts.get(periodMs) as Statement
      for (const row of rollupsOf(rows, periodMs)) upsert.run(ROLLUP_COLUMNS.map((column) => row[column]))
    }
  })
}
