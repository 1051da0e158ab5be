import { Type, type Static } from '@sinclair/typebox'

const PROXY_URL = '^$|^(https?|socks5?)://\\S+$'

/** MAX_RESPONSE_BYTES when unset: generous for any real answer, far from V8's string limit. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024

/** Core settings (contract §2), validated once at start-up by @fastify/env; `fastify.config` holds the result. */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8094 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' }
  ),
  DEFAULT_PROVIDER: Type.String({ pattern: '^[a-z][a-z0-9-]*$', default: 'gemini' }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 120000 }),
  STREAM_IDLE_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 60000 }),
  STREAM_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 1800000 }),
  CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10000 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 33554432 }),
  RECEIVE_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 30000 }),
  HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10000 }),
  MAX_CONNECTIONS: Type.Integer({ minimum: 0, default: 0 }),
  MAX_RESPONSE_BYTES: Type.Integer({ minimum: 1024, default: DEFAULT_MAX_RESPONSE_BYTES }),
  CIRCUIT_COOLDOWN_MS: Type.Integer({ minimum: 1, default: 30000 }),
  RETRY_AFTER_MAX_MS: Type.Integer({ minimum: 0, default: 300000 }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 30000 }),
  GATEWAY_API_KEYS: Type.Optional(Type.String()),
  ADMIN_API_KEY: Type.Optional(Type.String()),
  UPSTREAM_PROXY: Type.Optional(Type.String({ pattern: PROXY_URL })),
  HTTPS_PROXY: Type.Optional(Type.String({ pattern: PROXY_URL })),
  HTTP_PROXY: Type.Optional(Type.String({ pattern: PROXY_URL })),
  NO_PROXY: Type.Optional(Type.String()),
  PROVIDERS_DIR: Type.Optional(Type.String({ minLength: 1 })),
  PRICING_FILE: Type.Optional(Type.String({ minLength: 1 })),
  LOG_BUFFER_SIZE: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1000 }),
  MAX_HEAP_USED_BYTES: Type.Integer({ minimum: 0, default: 0 }),
  MAX_RSS_BYTES: Type.Integer({ minimum: 0, default: 0 }),
  MAX_CONCURRENT_REQUESTS: Type.Integer({ minimum: 0, default: 0 }),
  LOAD_SHED_RETRY_AFTER_S: Type.Integer({ minimum: 1, default: 5 }),
  CLIENT_REQUESTS_PER_MINUTE: Type.Integer({ minimum: 0, default: 0 }),
  CLIENT_TOKENS_PER_MINUTE: Type.Integer({ minimum: 0, default: 0 }),
  CLIENT_LIMITS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  PROVIDER_LIMITS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  MODEL_GROUPS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  EXPERIMENTS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  MODEL_REFRESH_MS: Type.Integer({ minimum: 0, default: 3_600_000 }),
  DASHBOARD_SESSION_MS: Type.Integer({ minimum: 60_000, maximum: 86_400_000, default: 1_800_000 }),
  EXPLAIN_ROUTES: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'off' }),
  QUEUE_MAX_WAIT_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 10_000 }),
  QUEUE_MAX_DEPTH: Type.Integer({ minimum: 0, default: 1000 }),
  METRICS: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  STORE_URL: Type.String({ minLength: 1, default: 'sqlite:./data/switchyard.db' }),
  STORE_QUEUE_MAX_ROWS: Type.Integer({ minimum: 1, default: 100000 }),
  STORE_BATCH_ROWS: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  STORE_FLUSH_MS: Type.Integer({ minimum: 10, default: 250 }),
  LOG_RETENTION_DAYS: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  ROLLUP_RETENTION_DAYS: Type.Number({ exclusiveMinimum: 0, default: 400 }),
  SETTINGS_POLL_MS: Type.Integer({ minimum: 0, default: 1000 }),
  KEY_HASH_SECRET: Type.Optional(Type.String()),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^$|^rediss?://\\S+$' })),
  REDIS_PREFIX: Type.String({ maxLength: 100, default: 'switchyard:' }),
  SHARED_STATE_ON_FAILURE: Type.Union([Type.Literal('local'), Type.Literal('closed')], { default: 'local' }),
  SHARED_STATE_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 250 }),
  /** Read by src/server.ts before the app is built (src/cluster/worker-count.ts); listed so that it validates. */
  WORKERS: Type.String({ pattern: '^(auto|[1-9][0-9]{0,2})$', default: '1' })
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>

/** The environment as given to `buildApp`: tests pass a plain object, the entries pass `process.env`. */
export type Env = Record<string, string | undefined>

/** Splits a comma-separated list, dropping blanks. */
export function splitList (value: string | undefined): string[] {
  if (value === undefined) return []
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '')
}
