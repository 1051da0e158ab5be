import type { Generated } from 'kysely'

// The store's tables as Kysely sees them. Times are epoch milliseconds (integers) in both dialects.

/** One finished client request, as the metrics accounted it. */
export interface RequestsTable {
  id: string
  request_id: string
  ts: number
  provider: string
  model: string
  endpoint: string
  ingress: string
  stream: number
  tokens_in: number
  tokens_out: number
  cached_tokens: number
  reasoning_tokens: number
  latency_ms: number
  ttft_ms: number | null
  cost: number
  cost_source: string
  success: number
  status_code: number
  error_message: string | null
  error_kind: string | null
  attempts: string
  /** A fingerprint of the client's key (never the key), or '' without one. */
  key_id: string
  /** Added by migration 0003; null on rows written before it, and for requests no declared limit counted. */
  queued_ms: number | null
  /** Added by migration 0004. */
  soft_failure: string | null
  /** Added by migration 0005: the A/B experiment and arm that routed the request. */
  experiment: string | null
  arm: string | null
}

/**
 * Per period × provider × model × client key: counts and sums; with BucketColumns, latency histograms. The same
 * shape at three resolutions (minute, hour, day), so that a query over any range reads few rows.
 */
export interface RollupsTable {
  /** Start of the period, epoch ms. */
  period: number
  provider: string
  model: string
  key_id: string
  requests: number
  errors: number
  tokens_in: number
  tokens_out: number
  cost: number
  latency_sum: number
  ttft_sum: number
  ttft_count: number
  /** Requests that waited in the admission queue and the sum of their waits; requests it turned away, by reason (0003). */
  queued: number
  queued_ms_sum: number
  queue_full: number
  queue_timeout: number
  queue_wait_too_long: number
  /** Answers that were HTTP 200 and still no good (0004). */
  soft_failures: number
}

type BucketIndex = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11
/** Histogram columns: `lat_0`…`lat_11`, `ttft_0`…`ttft_11` and (0003) `qwait_0`…`qwait_11`, one per bound of LATENCY_BOUNDS_MS. */
export type BucketColumns = { [K in `lat_${BucketIndex}` | `ttft_${BucketIndex}` | `qwait_${BucketIndex}`]: number }

export type RollupRow = RollupsTable & BucketColumns

/** A provider setting changed through the admin API, over its env value. */
export interface ProviderSettingsTable {
  provider: string
  dispatch_mode: string | null
  weight: number | null
  model_map: string | null
  updated_at: number
  revision: Generated<number>
}

/** A virtual key: a hash of it (never the key) and its settings as JSON. */
export interface VirtualKeysTable {
  id: string
  key_hash: string
  name: string
  spec: string
  created_at: number
  updated_at: number
  revoked_at: number | null
}

/** Values the install keeps for itself: the secret virtual keys are hashed with. */
export interface InstallSettingsTable {
  name: string
  value: string
}

/** A model group or A/B experiment declared through the admin API: its declaration as JSON (0006). */
export interface RoutingDeclarationsTable {
  kind: string
  name: string
  spec: string
  updated_at: number
}

export interface StoreDatabase {
  requests: RequestsTable
  rollups_minute: RollupRow
  rollups_hour: RollupRow
  rollups_day: RollupRow
  provider_settings: ProviderSettingsTable
  virtual_keys: VirtualKeysTable
  install_settings: InstallSettingsTable
  routing_declarations: RoutingDeclarationsTable
}
