import fp from 'fastify-plugin'
import type { FastifyPluginAsync } from 'fastify'
import { openStore, parseStoreUrl } from '../src/store/open-store.ts'
import { DAY_MS, type Store } from '../src/store/store.ts'
import { ConfigurationError } from '../src/config/provider-settings.ts'

export interface StorePluginOptions {
  url: string
  queueMaxRows: number
  batchRows: number
  flushMs: number
  logRetentionDays: number
  rollupRetentionDays: number
  /** How long closing waits for the queue to reach the database (the shutdown grace period). */
  flushOnCloseMs: number
  /** How often old rows are pruned; tests prune at once. */
  pruneEveryMs?: number
}

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

const PRUNE_BATCH = 5_000

/**
 * Decorates `store`, the durable history STORE_URL names (docs/operations.md). Writing is behind the request path;
 * a database that is slow or away costs queued and then dropped rows, counted and warned about once per episode,
 * never a failed request. Old rows are pruned in the background in small batches.
 */
const storePlugin: FastifyPluginAsync<StorePluginOptions> = async (app, options) => {
  let location
  try {
    location = parseStoreUrl(options.url)
  } catch (error) {
    throw new ConfigurationError(`Invalid configuration: ${(error as Error).message}`)
  }
  const store = await openStore(location, {
    batchSize: options.batchRows,
    intervalMs: options.flushMs,
    maxQueued: options.queueMaxRows,
    onTrouble: (error) => { app.log.warn({ err: error, store: location.kind }, 'store: rows are not reaching the database; they wait in the queue, and are dropped once it is full') },
    onRecovered: (dropped) => { app.log.info({ dropped, store: location.kind }, 'store: writing again') }
  })
  app.decorate('store', store)

  let pruning = false
  const prune = async (): Promise<void> => {
    if (pruning) return
    pruning = true
    try {
      const now = Date.now()
      // Batches until nothing old is left, yielding between them.
      while (await store.prune(now - options.logRetentionDays * DAY_MS, now - options.rollupRetentionDays * DAY_MS, PRUNE_BATCH) > 0) {
        await new Promise((resolve) => setImmediate(resolve))
      }
    } catch (error) {
      app.log.warn({ err: error }, 'store: pruning old rows failed; it is tried again later')
    } finally {
      pruning = false
    }
  }
  const pruner = setInterval(() => { void prune() }, options.pruneEveryMs ?? 10 * 60_000)
  pruner.unref()
  app.addHook('onReady', async () => { void prune() })

  app.addHook('onClose', async () => {
    clearInterval(pruner)
    await store.flush(options.flushOnCloseMs)
    const { queued } = store.counters()
    if (queued > 0) app.log.warn({ queued }, 'store: closing with rows the database did not take in time')
    await store.close()
  })
}

export default fp(storePlugin, { name: 'store', fastify: '5.x' })
