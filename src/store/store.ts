// What the store keeps and answers, whatever holds it (memory, SQLite or Postgres). One small interface: the
// metrics append finished requests, the admin API queries them, the routing reads provider overrides.

/** One finished client request: the seed's log fields plus what history needs. */
export interface StoredRequest {
  id: string
  requestId: string
  timestampMs: number
  provider: string
  model: string
  endpoint: string
  /** The client protocol: `openai` or `anthropic`. */
  ingress: string
  stream: boolean
  tokensIn: number
  tokensOut: number
  cachedTokensIn: number
  reasoningTokens: number
  latencyMs: number
  timeToFirstTokenMs: number | null
  cost: number
  costSource: string
  success: boolean
  statusCode: number
  errorMessage: string | null
  errorKind: string | null
  /** `gemini:503,groq:200`, as the `x-switchyard-attempts` header. */
  attempts: string
  /** A fingerprint of the client's key, never the key; '' without one. */
  keyId: string
  /** Time waited in the admission queue; null when no declared provider limit counted the request. */
  queuedMs: number | null
  /** Why the admission queue turned the request away, if it did. */
  queueRefusal: QueueRefusal | null
  /** The answer was HTTP 200 and still no good: `empty` or `bad_tool_json` (routing information). */
  softFailure: string | null
  /** The A/B experiment that assigned the request, and its arm (docs/routing.md, Experiments). */
  experiment: string | null
  arm: string | null
}

/** Why the admission queue turned a request away (src/provider-limits/admission-queue.ts). */
export type QueueRefusal = 'queue_full' | 'queue_timeout' | 'wait_too_long'

/**
 * An experiment arm's requests summed, per provider and model that answered them: counts, sums and sums of squares
 * (for a mean's confidence interval) and the latency and TTFT histograms of the rollups (for percentiles).
 */
export interface ArmSums {
  arm: string
  /** Who answered: the arm's own model, or a fallback after it failed. */
  provider: string
  model: string
  requests: number
  errors: number
  softFailures: number
  tokensIn: number
  tokensOut: number
  latencySum: number
  latencySquares: number
  ttftCount: number
  ttftSum: number
  ttftSquares: number
  costSum: number
  costSquares: number
  latencyBuckets: number[]
  ttftBuckets: number[]
}

export interface LogQuery {
  since?: number
  until?: number
  provider?: string
  model?: string
  status?: number
  success?: boolean
  key?: string
  experiment?: string
  limit: number
  /** From the previous page's `nextCursor`: rows older than its last. */
  cursor?: string
}

export interface LogPage {
  logs: StoredRequest[]
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null
}

export type CostGroup = 'provider' | 'model' | 'key' | 'day'

export interface CostQuery {
  since?: number
  until?: number
  groupBy: CostGroup
}

export interface CostRow {
  /** The provider, `provider:model`, key fingerprint or day (`YYYY-MM-DD`, UTC) the row sums. */
  group: string
  requests: number
  errors: number
  tokensIn: number
  tokensOut: number
  cost: number
}

/** Figures over time, for charts: [since, until) cut into buckets of `bucketMs`, per provider, model or key. */
export interface SeriesQuery {
  since: number
  until: number
  bucketMs: number
  groupBy: 'provider' | 'model' | 'key'
}

/** One bucket of one group: the rollups' sums, with the latency histogram for its percentiles. */
export interface SeriesPoint {
  /** The bucket's start, epoch ms. */
  bucket: number
  /** The provider, `provider:model`, or key fingerprint. */
  group: string
  requests: number
  errors: number
  tokensIn: number
  tokensOut: number
  cost: number
  latencySum: number
  ttftSum: number
  ttftCount: number
  softFailures: number
  latencyBuckets: number[]
}

/** One provider's figures over a window, from the rollups. */
export interface WindowStats {
  provider: string
  requests: number
  errors: number
  tokensIn: number
  tokensOut: number
  cost: number
  avgLatencyMs: number | null
  p50LatencyMs: number | null
  p95LatencyMs: number | null
  p99LatencyMs: number | null
  avgTimeToFirstTokenMs: number | null
  p50TimeToFirstTokenMs: number | null
  p95TimeToFirstTokenMs: number | null
  /** Requests that waited in the admission queue, how long, and those it turned away by reason. */
  queued: number
  avgQueuedMs: number | null
  p50QueuedMs: number | null
  p95QueuedMs: number | null
  queueRefused: { queueFull: number, queueTimeout: number, waitTooLong: number }
  /** Answers that were HTTP 200 and still no good. */
  softFailures: number
}

/** A provider setting changed through the admin API; a field left null keeps its env value. */
export interface ProviderOverride {
  provider: string
  dispatchMode: string | null
  weight: number | null
  modelMap: Record<string, string> | null
  updatedAt: number
}

/** A virtual key as kept: a hash of the key (never the key) and its settings, as JSON the governance reads. */
export interface StoredKey {
  id: string
  keyHash: string
  name: string
  spec: string
  createdAt: number
  updatedAt: number
  /** Set when the key was deleted: it stays, so that history can still name it, and replicas see it go. */
  revokedAt: number | null
}

/** A model group or an A/B experiment declared through the admin API, as the routing reads it back. */
export interface RoutingDeclaration {
  kind: 'group' | 'experiment'
  name: string
  /** The declaration, as JSON, in the shape of its file's entry (MODEL_GROUPS_FILE, EXPERIMENTS_FILE). */
  spec: string
  updatedAt: number
}

export interface StoreCounters {
  /** Rows waiting for the next batch. */
  queued: number
  written: number
  /** Rows given up because the queue was full while the database was slow or away. */
  dropped: number
  failedBatches: number
}

export interface Store {
  readonly kind: 'memory' | 'sqlite' | 'postgres'
  /** Takes a finished request for the next batch. Never blocks and never throws: a full queue drops and counts. */
  append: (request: StoredRequest) => void
  logs: (query: LogQuery) => Promise<LogPage>
  costs: (query: CostQuery) => Promise<CostRow[]>
  window: (sinceMs: number) => Promise<WindowStats[]>
  /** Figures over time from the rollups (the coarsest table whose periods fit the buckets). */
  series: (query: SeriesQuery) => Promise<SeriesPoint[]>
  /** An A/B experiment's requests summed per arm and answering provider and model (src/experiments/results.ts). */
  experimentArms: (name: string) => Promise<ArmSums[]>
  overrides: () => Promise<ProviderOverride[]>
  setOverride: (override: Omit<ProviderOverride, 'updatedAt'>) => Promise<void>
  clearOverride: (provider: string) => Promise<void>
  /** Model groups and experiments declared through the admin API. */
  declarations: () => Promise<RoutingDeclaration[]>
  /** Adds a declaration, or replaces the one of its kind and name. */
  putDeclaration: (declaration: Omit<RoutingDeclaration, 'updatedAt'>) => Promise<void>
  deleteDeclaration: (kind: RoutingDeclaration['kind'], name: string) => Promise<void>
  /** Virtual keys, revoked ones included; with `changedSince`, only those updated at or after it (epoch ms). */
  keys: (changedSince?: number) => Promise<StoredKey[]>
  /** Adds a key, or replaces the one with its id. */
  putKey: (key: StoredKey) => Promise<void>
  /**
   * The install's secret for hashing keys: the one stored, or `candidate` if none is (first start). Replicas
   * racing on an empty store all end up with the first one written.
   */
  installSecret: (candidate: string) => Promise<string>
  /** Deletes up to `batch` raw rows older than `requestsBefore` and rollups older than `rollupsBefore`. */
  prune: (requestsBefore: number, rollupsBefore: number, batch: number) => Promise<number>
  counters: () => StoreCounters
  /** Writes what is queued, within `deadlineMs`. */
  flush: (deadlineMs?: number) => Promise<void>
  close: () => Promise<void>
}

export function encodeCursor (request: Pick<StoredRequest, 'timestampMs' | 'id'>): string {
  return Buffer.from(`${request.timestampMs}:${request.id}`).toString('base64url')
}

/** The cursor's position, or undefined for one this store did not make. */
export function decodeCursor (cursor: string): { ts: number, id: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString()
  const match = /^(\d{1,16}):(.{1,200})$/.exec(text)
  if (match === null) return undefined
  return { ts: Number(match[1]), id: match[2] as string }
}

export const MINUTE_MS = 60_000
export const DAY_MS = 86_400_000
