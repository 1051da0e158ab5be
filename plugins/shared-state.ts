import fp from 'fastify-plugin'
import type { FastifyPluginAsync } from 'fastify'
import { createMemoryState } from '../src/shared-state/memory-state.ts'
import { createFailoverState, type FailurePolicy } from '../src/shared-state/failover-state.ts'
import type { SharedState } from '../src/shared-state/shared-state.ts'

export interface SharedStatePluginOptions {
  /** REDIS_URL; without it, counters live in this process. */
  redisUrl: string | undefined
  prefix: string
  onFailure: FailurePolicy
  commandTimeoutMs: number
  /**
   * In a worker process: the counters the primary keeps for every worker, used without REDIS_URL and while Redis
   * is away, so that "local" still means the whole instance.
   */
  instance?: SharedState
}

export interface SharedStateStatus {
  kind: 'memory' | 'redis'
  mode: 'shared' | 'local' | 'closed'
  /** Episodes in which Redis stopped answering. */
  failures: number
}

declare module 'fastify' {
  interface FastifyInstance {
    sharedState: SharedState
    sharedStateStatus: () => SharedStateStatus
  }
}

/**
 * Decorates `sharedState`, the counters per-key limits and budgets are kept in: Redis when REDIS_URL is set (every
 * replica and worker counts together), else this process. A Redis that stops answering is logged once per episode
 * and replaced by local counters (or refusals, with SHARED_STATE_ON_FAILURE=closed) until it answers again.
 */
const sharedStatePlugin: FastifyPluginAsync<SharedStatePluginOptions> = async (app, options) => {
  const local = options.instance ?? createMemoryState()
  if (options.redisUrl === undefined) {
    app.decorate('sharedState', local)
    app.decorate('sharedStateStatus', () => ({ kind: 'memory', mode: 'shared', failures: 0 }) satisfies SharedStateStatus)
    app.addHook('onClose', async () => { await local.close() })
    return
  }
  let lastConnectionError = ''
  // Loaded only when asked for: a gateway without Redis does not carry its client in memory.
  const { createRedisState } = await import('../src/shared-state/redis-state.ts')
  const remote = createRedisState({
    url: options.redisUrl,
    prefix: options.prefix,
    commandTimeoutMs: options.commandTimeoutMs,
    // ioredis reports every failed reconnect; the failover logs the episode, this only keeps the reason.
    onError: (error) => { lastConnectionError = error.message }
  })
  const state = await createFailoverState(remote, local, {
    policy: options.onFailure,
    probeEveryMs: 500,
    onDown: (error) => {
      app.log.warn({ err: error, connection: lastConnectionError || undefined, policy: options.onFailure },
        options.onFailure === 'local'
          ? 'shared state: Redis is not answering; limits and budgets count in this process until it is back'
          : 'shared state: Redis is not answering; requests under limits or budgets are refused until it is back')
    },
    onUp: () => { app.log.info('shared state: Redis answers again; limits and budgets count together again') }
  })
  app.decorate('sharedState', state)
  app.decorate('sharedStateStatus', () => ({ kind: 'redis', mode: state.mode(), failures: state.failures() }) satisfies SharedStateStatus)
  app.addHook('onClose', async () => { await state.close() })
}

export default fp(sharedStatePlugin, { name: 'shared-state', fastify: '5.x' })
