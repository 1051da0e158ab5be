import type { FastifyInstance } from 'fastify'

/**
 * Reads what other replicas wrote to a shared store: `load` when the app is ready, then every `pollMs` (never on a
 * memory store, which no other process shares, or with `pollMs` 0). A failed read is tried again at the next turn.
 */
export function followStore (app: FastifyInstance, pollMs: number, what: string, load: () => Promise<void>): void {
  app.addHook('onReady', load)
  if (pollMs <= 0 || app.store.kind === 'memory') return
  const poller = setInterval(() => {
    load().catch((error: unknown) => { app.log.debug({ err: error }, `${what}: the store could not be read; trying again`) })
  }, pollMs)
  poller.unref()
  app.addHook('onClose', async () => { clearInterval(poller) })
}
