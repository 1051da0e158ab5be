import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { SharedMessage, SharedState } from './shared-state.ts'

// Both scripts give a new counter its time to live once, when it is first written (PTTL < 0), so a counter named for
// a window or budget period expires with it however often it is written. A negative time to live marks a held
// counter (shared-state.ts): renewed on every write, and never below zero.
// ARGV holds amount, limit and time to live for each key in turn. Answers {allowed, refused step (1-based), counts...}.
const TAKE_ALL = `
local counts = {}
for i = 1, #KEYS do counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0') end
for i = 1, #KEYS do
  if counts[i] + tonumber(ARGV[3 * i - 2]) > tonumber(ARGV[3 * i - 1]) then return {0, i, unpack(counts)} end
end
for i = 1, #KEYS do
  local amount = tonumber(ARGV[3 * i - 2])
  local ttl = tonumber(ARGV[3 * i])
  if amount ~= 0 then
    counts[i] = redis.call('INCRBY', KEYS[i], amount)
    if ttl < 0 then redis.call('PEXPIRE', KEYS[i], -ttl)
    elseif redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ttl) end
  end
end
return {1, 0, unpack(counts)}`

const ADD = `
local after = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl < 0 then
  if after < 0 then redis.call('SET', KEYS[1], 0) after = 0 end
  redis.call('PEXPIRE', KEYS[1], -ttl)
elseif redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return after`

/** Whole milliseconds, at least one, keeping the sign that marks a held counter. */
function redisTtl (ttlMs: number): number {
  return ttlMs < 0 ? -Math.max(1, Math.ceil(-ttlMs)) : Math.max(1, Math.ceil(ttlMs))
}

type ScriptedRedis = Redis & {
  switchyardTakeAll: (keyCount: number, ...keysAndArgs: Array<string | number>) => Promise<number[]>
  switchyardAdd: (key: string, amount: number, ttlMs: number) => Promise<number>
}

export interface RedisStateOptions {
  url: string
  /** Prefixed to every key, so that several gateways can share one Redis. */
  prefix: string
  /** A command that takes longer fails, and the caller falls back (see failover-state.ts). */
  commandTimeoutMs: number
  onError: (error: Error) => void
}

export interface RedisState extends SharedState {
  /** Resolves once connected; rejects if the first attempt fails (reconnecting goes on in the background). */
  readonly connect: () => Promise<void>
  /** Resolves when Redis answers a PING. */
  readonly ping: () => Promise<void>
}

/**
 * Counters in Redis, each step one Lua script (atomic on the server), so that every replica and worker counts
 * against the same number. Commands are not queued while disconnected: they fail at once and the caller decides.
 */
export function createRedisState (options: RedisStateOptions): RedisState {
  const redis = new Redis(options.url, {
    keyPrefix: options.prefix,
    lazyConnect: true,
    enableOfflineQueue: false,
    // Commands sent in the same tick go out in one write: under load, one round trip serves many requests.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * times, 1_000)
  }) as ScriptedRedis
  redis.defineCommand('switchyardTakeAll', { lua: TAKE_ALL })
  redis.defineCommand('switchyardAdd', { numberOfKeys: 1, lua: ADD })
  redis.on('error', options.onError)

  // Pub/sub needs a connection of its own. Each process stamps its messages, so that it can skip its own echo.
  const origin = randomBytes(8).toString('hex')
  const channel = `${options.prefix}events`
  const listeners: Array<(message: SharedMessage) => void> = []
  let subscriber: Redis | undefined
  const subscribe = (): Redis => {
    const connection = redis.duplicate({ keyPrefix: '', lazyConnect: false, enableOfflineQueue: true, commandTimeout: undefined })
    connection.on('error', options.onError)
    connection.on('message', (_channel: string, text: string) => {
      let parsed: { origin?: string, message?: SharedMessage }
      try {
        parsed = JSON.parse(text) as typeof parsed
      } catch {
        return
      }
      if (parsed.origin === origin || parsed.message?.type !== 'provider-health') return
      for (const listener of listeners) listener(parsed.message)
    })
    // ioredis subscribes again by itself after a reconnect.
    void connection.subscribe(channel).catch(options.onError)
    return connection
  }

  return {
    kind: 'redis',
    async connect () { await redis.connect() },
    async ping () { await redis.ping() },
    async takeAll (steps) {
      if (steps.length === 0) return { allowed: true, refused: -1, counts: [] }
      const args = steps.flatMap((step) => [step.amount, step.limit, redisTtl(step.ttlMs)])
      const [allowed, refused, ...counts] = (await redis.switchyardTakeAll(steps.length, ...steps.map((step) => step.key), ...args)).map(Number)
      return { allowed: allowed === 1, refused: (refused as number) - 1, counts }
    },
    async add (key, amount, ttlMs) {
      await redis.switchyardAdd(key, amount, redisTtl(ttlMs))
    },
    async read (keys) {
      if (keys.length === 0) return []
      const values = await redis.mget(...keys)
      return values.map((value) => value === null ? 0 : Number(value))
    },
    publish (message) {
      redis.publish(channel, JSON.stringify({ origin, message })).catch(options.onError)
    },
    subscribe (listener) {
      listeners.push(listener)
      subscriber ??= subscribe()
    },
    async close () {
      await Promise.all([redis, subscriber].map(async (connection) => {
        if (connection !== undefined) await connection.quit().catch(() => { connection.disconnect() })
      }))
    }
  }
}
