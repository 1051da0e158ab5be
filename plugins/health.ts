import type { FastifyPluginAsync } from 'fastify'

/** Liveness: always open, answers without touching providers. */
const health: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }))
}

export default health
