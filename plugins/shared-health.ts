import fp from 'fastify-plugin'
import type { FastifyPluginAsync } from 'fastify'

/**
 * Replicas tell each other when a provider is to be skipped: a 429's cooldown (its retry-after) or a circuit that
 * opened. Each one seen here is published through the shared state; each one published elsewhere is imposed
 * here until the same moment. Without Redis there is no one to tell, and this does nothing.
 */
const sharedHealth: FastifyPluginAsync = async (app) => {
  app.router.onTransition((transition) => {
    if (transition.imposed === true || transition.until === undefined) return
    if (transition.to !== 'cooldown' && transition.to !== 'open') return
    app.sharedState.publish({ type: 'provider-health', provider: transition.provider, kind: transition.to, forMs: transition.until - Date.now() })
  })
  app.sharedState.subscribe((message) => {
    if (app.providers.get(message.provider) === undefined || !Number.isFinite(message.forMs) || message.forMs <= 0) return
    app.router.impose(message.provider, message.kind === 'open' ? 'open' : 'cooldown', Date.now() + message.forMs)
  })
}

export default fp(sharedHealth, { name: 'shared-health', fastify: '5.x', dependencies: ['routing', 'shared-state', 'provider-registry'] })
