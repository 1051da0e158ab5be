import { sql, type Kysely, type Selectable } from 'kysely'
import type { RequestsTable, StoreDatabase } from './schema.ts'
import { ADDITIVE_COLUMNS, ROLLUPS, rollupsOf, segmentsOf, type RangeSegment, type RollupTable } from './rollup.ts'
import { BUCKETS, LATENCY_BOUNDS_MS } from './latency-buckets.ts'
import { windowStats } from './window-stats.ts'
import { createWriteBehind, type WriteBehindOptions } from './write-behind.ts'
import {
  DAY_MS, MINUTE_MS, decodeCursor, encodeCursor,
  type ArmSums, type CostRow, type LogPage, type ProviderOverride, type RoutingDeclaration, type SeriesPoint, type Store, type StoredKey, type StoredRequest, type WindowStats
} from './store.ts'

export interface SqlStoreOptions extends Pick<WriteBehindOptions<StoredRequest>, 'batchSize' | 'intervalMs' | 'maxQueued' | 'onTrouble' | 'onRecovered'> {
  kind: 'sqlite' | 'postgres'
  /** A faster write of one batch in one transaction than Kysely's (see sqlite-writer.ts, postgres-writer.ts). */
  writeBatch?: (rows: readonly StoredRequest[]) => void | Promise<void>
}

/** What a SQL store is opened with, besides its kind. */
export type StoreSettings = Omit<SqlStoreOptions, 'kind'>

const REQUEST_CHUNK = 1000
const ROLLUP_CHUNK = 500

/** The store on a SQL database through Kysely: the same queries for SQLite and Postgres, none built from input. */
export function createSqlStore (db: Kysely<StoreDatabase>, options: SqlStoreOptions): Store {
  const write = options.writeBatch
  const writer = createWriteBehind<StoredRequest>({
    ...options,
    write: write === undefined ? async (rows) => { await writeBatch(db, rows) } : async (rows) => { await write(rows) }
  })

  /** The rollup segments a query over [since, until) reads; until defaults to the end of the current minute. */
  const rangeOf = (since: number | undefined, until: number | undefined): RangeSegment[] =>
    segmentsOf(since ?? 0, until ?? Date.now() + MINUTE_MS)
  const inSegment = (segment: RangeSegment) => db.selectFrom(segment.table as RollupTable)
    .where('period', '>=', segment.from)
    .where('period', '<', segment.to)

  return {
    kind: options.kind,
    append: writer.push,
    counters: writer.counters,
    flush: async (deadlineMs = 5_000) => { await writer.flush(deadlineMs) },

    async logs (query): Promise<LogPage> {
      let select = db.selectFrom('requests').selectAll()
      if (query.since !== undefined) select = select.where('ts', '>=', query.since)
      if (query.until !== undefined) select = select.where('ts', '<', query.until)
      if (query.provider !== undefined) select = select.where('provider', '=', query.provider)
      if (query.model !== undefined) select = select.where('model', '=', query.model)
      if (query.status !== undefined) select = select.where('status_code', '=', query.status)
      if (query.success !== undefined) select = select.where('success', '=', query.success ? 1 : 0)
      if (query.key !== undefined) select = select.where('key_id', '=', query.key)
      if (query.experiment !== undefined) select = select.where('experiment', '=', query.experiment)
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
      if (after !== undefined) {
        select = select.where((eb) => eb.or([eb('ts', '<', after.ts), eb.and([eb('ts', '=', after.ts), eb('id', '<', after.id)])]))
      }
      const rows = await select.orderBy('ts', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute()
      const logs = rows.slice(0, query.limit).map(fromRow)
      const last = logs.at(-1)
      return { logs, nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last) : null }
    },

    async costs (query): Promise<CostRow[]> {
      const groups = new Map<string, CostRow>()
      for (const segment of rangeOf(query.since, query.until)) {
        const group = query.groupBy === 'provider'
          ? sql<string>`provider`
          : query.groupBy === 'model'
            ? sql<string>`provider || ':' || model`
            : query.groupBy === 'key'
              ? sql<string>`key_id`
              : sql<string>`period - (period % ${sql.lit(DAY_MS)})`
        const rows = await inSegment(segment).select([
          group.as('grp'),
          sql<number>`sum(requests)`.as('requests'),
          sql<number>`sum(errors)`.as('errors'),
          sql<number>`sum(tokens_in)`.as('tokens_in'),
          sql<number>`sum(tokens_out)`.as('tokens_out'),
          sql<number>`sum(cost)`.as('cost')
        ]).groupBy(sql`1`).execute()
        for (const row of rows) {
          const name = query.groupBy === 'day' ? new Date(Number(row.grp)).toISOString().slice(0, 10) : String(row.grp)
          const sum = groups.get(name) ?? { group: name, requests: 0, errors: 0, tokensIn: 0, tokensOut: 0, cost: 0 }
          sum.requests += Number(row.requests)
          sum.errors += Number(row.errors)
          sum.tokensIn += Number(row.tokens_in)
          sum.tokensOut += Number(row.tokens_out)
          sum.cost += Number(row.cost)
          groups.set(name, sum)
        }
      }
      return [...groups.values()].sort((a, b) => a.group < b.group ? -1 : a.group > b.group ? 1 : 0)
    },

    async window (sinceMs): Promise<WindowStats[]> {
      const columns = ['requests', 'errors', 'tokens_in', 'tokens_out', 'cost', 'latency_sum', 'ttft_sum', 'ttft_count', 'queued', 'queued_ms_sum', 'queue_full', 'queue_timeout', 'queue_wait_too_long', 'soft_failures',
        ...Array.from({ length: BUCKETS }, (_, index) => [`lat_${index}`, `ttft_${index}`, `qwait_${index}`]).flat()]
      const sums = new Map<string, Record<string, number>>()
      for (const segment of rangeOf(sinceMs, undefined)) {
        const rows = await inSegment(segment)
          .select(['provider', ...columns.map((column) => sql<number>`sum(${sql.ref(column)})`.as(column))])
          .groupBy('provider')
          .execute()
        for (const row of rows as Array<Record<string, unknown>>) {
          const provider = String(row.provider)
          const sum = sums.get(provider) ?? {}
          for (const column of columns) sum[column] = (sum[column] ?? 0) + Number(row[column] ?? 0)
          sums.set(provider, sum)
        }
      }
      return [...sums.entries()].sort(([a], [b]) => a < b ? -1 : 1).map(([provider, sum]) => windowStats(provider, sum))
    },

    async series (query): Promise<SeriesPoint[]> {
      // The coarsest table whose periods fit in a bucket: a 30-day chart reads days, not minutes.
      const rollup = [...ROLLUPS].reverse().find(({ periodMs }) => query.bucketMs % periodMs === 0) ?? ROLLUPS[0]
      const group = query.groupBy === 'provider' ? sql<string>`provider` : query.groupBy === 'model' ? sql<string>`provider || ':' || model` : sql<string>`key_id`
      const columns = ['requests', 'errors', 'tokens_in', 'tokens_out', 'cost', 'latency_sum', 'ttft_sum', 'ttft_count', 'soft_failures',
        ...Array.from({ length: BUCKETS }, (_, index) => `lat_${index}`)]
      const rows = await db.selectFrom(rollup.table)
        .where('period', '>=', query.since - (query.since % rollup.periodMs))
        .where('period', '<', query.until)
        .select([
          sql<number>`period - (period % ${sql.lit(query.bucketMs)})`.as('bucket'),
          group.as('grp'),
          ...columns.map((column) => sql<number>`sum(${sql.ref(column)})`.as(column))
        ])
        .groupBy(sql`1, 2`)
        .orderBy(sql`1`)
        .orderBy(sql`2`)
        .execute() as Array<Record<string, unknown>>
      return rows.map((row) => ({
        bucket: Number(row.bucket),
        group: String(row.grp),
        requests: Number(row.requests),
        errors: Number(row.errors),
        tokensIn: Number(row.tokens_in),
        tokensOut: Number(row.tokens_out),
        cost: Number(row.cost),
        latencySum: Number(row.latency_sum),
        ttftSum: Number(row.ttft_sum),
        ttftCount: Number(row.ttft_count),
        softFailures: Number(row.soft_failures),
        latencyBuckets: Array.from({ length: BUCKETS }, (_, index) => Number(row[`lat_${index}`]))
      }))
    },

    async experimentArms (name): Promise<ArmSums[]> {
      // Histogram buckets as the rollups bound them: fixed numbers, never input.
      const bucket = (column: 'latency_ms' | 'ttft_ms', index: number) => {
        const low = index === 0 ? -Infinity : LATENCY_BOUNDS_MS[index - 1] as number
        const high = LATENCY_BOUNDS_MS[index] as number
        const above = Number.isFinite(low) ? sql`${sql.ref(column)} > ${sql.lit(low)}` : sql`1 = 1`
        const below = Number.isFinite(high) ? sql`${sql.ref(column)} <= ${sql.lit(high)}` : sql`1 = 1`
        return sql<number>`sum(case when ${above} and ${below} then 1 else 0 end)`.as(`${column}_${index}`)
      }
      const rows = await db.selectFrom('requests')
        .where('experiment', '=', name)
        .select([
          'arm', 'provider', 'model',
          sql<number>`count(*)`.as('requests'),
          sql<number>`sum(1 - success)`.as('errors'),
          sql<number>`sum(case when soft_failure is null then 0 else 1 end)`.as('soft_failures'),
          sql<number>`sum(tokens_in)`.as('tokens_in'),
          sql<number>`sum(tokens_out)`.as('tokens_out'),
          sql<number>`sum(latency_ms)`.as('latency_sum'),
          sql<number>`sum(latency_ms * latency_ms)`.as('latency_squares'),
          sql<number>`count(ttft_ms)`.as('ttft_count'),
          sql<number>`coalesce(sum(ttft_ms), 0)`.as('ttft_sum'),
          sql<number>`coalesce(sum(ttft_ms * ttft_ms), 0)`.as('ttft_squares'),
          sql<number>`sum(cost)`.as('cost_sum'),
          sql<number>`sum(cost * cost)`.as('cost_squares'),
          ...Array.from({ length: BUCKETS }, (_, index) => bucket('latency_ms', index)),
          ...Array.from({ length: BUCKETS }, (_, index) => bucket('ttft_ms', index))
        ])
        .groupBy(['arm', 'provider', 'model'])
        .execute()
      return (rows as Array<Record<string, unknown>>).map((row) => ({
        arm: String(row.arm),
        provider: String(row.provider),
        model: String(row.model),
        requests: Number(row.requests),
        errors: Number(row.errors),
        softFailures: Number(row.soft_failures),
        tokensIn: Number(row.tokens_in),
        tokensOut: Number(row.tokens_out),
        latencySum: Number(row.latency_sum),
        latencySquares: Number(row.latency_squares),
        ttftCount: Number(row.ttft_count),
        ttftSum: Number(row.ttft_sum),
        ttftSquares: Number(row.ttft_squares),
        costSum: Number(row.cost_sum),
        costSquares: Number(row.cost_squares),
        latencyBuckets: Array.from({ length: BUCKETS }, (_, index) => Number(row[`latency_ms_${index}`])),
        ttftBuckets: Array.from({ length: BUCKETS }, (_, index) => Number(row[`ttft_ms_${index}`]))
      }))
    },

    async overrides (): Promise<ProviderOverride[]> {
      const rows = await db.selectFrom('provider_settings').selectAll().orderBy('provider').execute()
      return rows.map((row) => ({
        provider: row.provider,
        dispatchMode: row.dispatch_mode,
        weight: row.weight === null ? null : Number(row.weight),
        modelMap: row.model_map === null ? null : JSON.parse(row.model_map) as Record<string, string>,
        updatedAt: Number(row.updated_at)
      }))
    },

    async setOverride (override) {
      const values = {
        provider: override.provider,
        dispatch_mode: override.dispatchMode,
        weight: override.weight,
        model_map: override.modelMap === null ? null : JSON.stringify(override.modelMap),
        updated_at: Date.now()
      }
      await db.insertInto('provider_settings').values(values)
        .onConflict((conflict) => conflict.column('provider').doUpdateSet({
          dispatch_mode: values.dispatch_mode,
          weight: values.weight,
          model_map: values.model_map,
          updated_at: values.updated_at,
          revision: sql`provider_settings.revision + 1`
        }))
        .execute()
    },

    async declarations (): Promise<RoutingDeclaration[]> {
      const rows = await db.selectFrom('routing_declarations').selectAll().orderBy('kind').orderBy('name').execute()
      return rows.map((row) => ({ kind: row.kind as RoutingDeclaration['kind'], name: row.name, spec: row.spec, updatedAt: Number(row.updated_at) }))
    },

    async putDeclaration (declaration) {
      const values = { kind: declaration.kind, name: declaration.name, spec: declaration.spec, updated_at: Date.now() }
      await db.insertInto('routing_declarations').values(values)
        .onConflict((conflict) => conflict.columns(['kind', 'name']).doUpdateSet({ spec: values.spec, updated_at: values.updated_at }))
        .execute()
    },

    async deleteDeclaration (kind, name) {
      await db.deleteFrom('routing_declarations').where('kind', '=', kind).where('name', '=', name).execute()
    },

    async clearOverride (provider) {
      await db.deleteFrom('provider_settings').where('provider', '=', provider).execute()
    },

    async keys (changedSince) {
      let select = db.selectFrom('virtual_keys').selectAll()
      if (changedSince !== undefined) select = select.where('updated_at', '>=', changedSince)
      return (await select.orderBy('created_at').execute()).map((row): StoredKey => ({
        id: row.id,
        keyHash: row.key_hash,
        name: row.name,
        spec: row.spec,
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
        revokedAt: row.revoked_at === null ? null : Number(row.revoked_at)
      }))
    },

    async putKey (key) {
      const values = { id: key.id, key_hash: key.keyHash, name: key.name, spec: key.spec, created_at: key.createdAt, updated_at: key.updatedAt, revoked_at: key.revokedAt }
      await db.insertInto('virtual_keys').values(values)
        .onConflict((conflict) => conflict.column('id').doUpdateSet({ name: values.name, spec: values.spec, updated_at: values.updated_at, revoked_at: values.revoked_at }))
        .execute()
    },

    async installSecret (candidate) {
      await db.insertInto('install_settings').values({ name: 'key_hash_secret', value: candidate })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .execute()
      const row = await db.selectFrom('install_settings').select('value').where('name', '=', 'key_hash_secret').executeTakeFirstOrThrow()
      return row.value
    },

    async prune (requestsBefore, rollupsBefore, batch) {
      const requests = await db.deleteFrom('requests')
        .where('id', 'in', db.selectFrom('requests').select('id').where('ts', '<', requestsBefore).limit(batch))
        .executeTakeFirst()
      let pruned = Number(requests.numDeletedRows)
      // Minute rollups live as long as the raw rows; hours and days as long as ROLLUP_RETENTION_DAYS. A pass
      // takes at most an hour's or a day's periods from each, oldest first, so that it stays small.
      for (const { table, periodMs } of ROLLUPS) {
        const before = table === 'rollups_minute' ? requestsBefore : rollupsBefore
        const oldest = await db.selectFrom(table).select(sql<number>`min(period)`.as('period')).executeTakeFirst()
        if (oldest?.period == null || Number(oldest.period) >= before) continue
        const step = periodMs === DAY_MS ? 30 * DAY_MS : periodMs * 60
        const result = await db.deleteFrom(table).where('period', '<', Math.min(before, Number(oldest.period) + step)).executeTakeFirst()
        pruned += Number(result.numDeletedRows)
      }
      // SQLite's planner statistics, refreshed where it judges them stale (cheap when they are not).
      if (options.kind === 'sqlite') await sql`PRAGMA optimize`.execute(db)
      return pruned
    },

    async close () {
      writer.stop()
      await db.destroy()
    }
  }
}

async function writeBatch (db: Kysely<StoreDatabase>, rows: readonly StoredRequest[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < rows.length; start += REQUEST_CHUNK) {
      await trx.insertInto('requests').values(rows.slice(start, start + REQUEST_CHUNK).map(toRow))
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute()
    }
    for (const { table, periodMs } of ROLLUPS) {
      const rollups = rollupsOf(rows, periodMs)
      for (let start = 0; start < rollups.length; start += ROLLUP_CHUNK) {
        await trx.insertInto(table).values(rollups.slice(start, start + ROLLUP_CHUNK))
          .onConflict((conflict) => conflict.columns(['period', 'provider', 'model', 'key_id']).doUpdateSet(
            Object.fromEntries(ADDITIVE_COLUMNS.map((column) => [column, sql`${sql.ref(`${table}.${column}`)} + ${sql.ref(`excluded.${column}`)}`])) as never))
          .execute()
      }
    }
  })
}

function toRow (request: StoredRequest): RequestsTable {
  return {
    id: request.id,
    request_id: request.requestId,
    ts: request.timestampMs,
    provider: request.provider,
    model: request.model,
    endpoint: request.endpoint,
    ingress: request.ingress,
    stream: request.stream ? 1 : 0,
    tokens_in: request.tokensIn,
    tokens_out: request.tokensOut,
    cached_tokens: request.cachedTokensIn,
    reasoning_tokens: request.reasoningTokens,
    latency_ms: request.latencyMs,
    ttft_ms: request.timeToFirstTokenMs,
    cost: request.cost,
    cost_source: request.costSource,
    success: request.success ? 1 : 0,
    status_code: request.statusCode,
    error_message: request.errorMessage,
    error_kind: request.errorKind,
    attempts: request.attempts,
    key_id: request.keyId,
    queued_ms: request.queuedMs,
    soft_failure: request.softFailure,
    experiment: request.experiment,
    arm: request.arm
  }
}

function fromRow (row: Selectable<RequestsTable>): StoredRequest {
  return {
    id: row.id,
    requestId: row.request_id,
    timestampMs: Number(row.ts),
    provider: row.provider,
    model: row.model,
    endpoint: row.endpoint,
    ingress: row.ingress,
    stream: Number(row.stream) === 1,
    tokensIn: Number(row.tokens_in),
    tokensOut: Number(row.tokens_out),
    cachedTokensIn: Number(row.cached_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    latencyMs: Number(row.latency_ms),
    timeToFirstTokenMs: row.ttft_ms === null ? null : Number(row.ttft_ms),
    cost: Number(row.cost),
    costSource: row.cost_source,
    success: Number(row.success) === 1,
    statusCode: Number(row.status_code),
    errorMessage: row.error_message,
    errorKind: row.error_kind,
    attempts: row.attempts,
    keyId: row.key_id,
    queuedMs: row.queued_ms === null ? null : Number(row.queued_ms),
    // Only the rollups count refusals by reason; a row says it in its error message.
    queueRefusal: null,
    softFailure: row.soft_failure,
    experiment: row.experiment,
    arm: row.arm
  }
}

