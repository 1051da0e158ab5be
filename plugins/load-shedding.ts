import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError } from '../src/canonical/errors.ts'
import '../src/ingress/model-route.ts'

export interface LoadSheddingOptions {
  /** Event-loop delay above which model requests are refused; 0 turns the check off. */
  maxEventLoopDelayMs: number
  maxHeapUsedBytes: number
  maxRssBytes: number
  /** Model requests in flight at once (streams included); 0 means no limit. */
  maxConcurrentRequests: number
  retryAfterSeconds: number
  /** How often pressure is sampled (tests sample fast). */
  sampleIntervalMs?: number
}


/** A 503 with retry-after, rendered by the route's own error handler in its protocol's shape. */
function refusal (retryAfterSeconds: number, message: string): GatewayError {
  return new GatewayError('overloaded', 503, message, { code: 'overloaded', retryAfterSeconds })
}

/**
 * Sheds load on model requests before they queue without bound: `@fastify/under-pressure` watches event-loop
 * delay, heap and RSS, and a counter caps requests in flight. Everything else (/healthz, the admin API) is
 * always served, so probes and operators still get answers from a busy gateway.
 */
const loadShedding: FastifyPluginAsync<LoadSheddingOptions> = async (app, options) => {
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapUsedBytes,
    maxRssBytes: options.maxRssBytes,
    retryAfter: options.retryAfterSeconds,
    ...(options.sampleIntervalMs === undefined ? {} : { sampleInterval: options.sampleIntervalMs }),
    // Returning nothing lets the request through (everything but model routes); a rejected promise goes to the
    // route's error handler.
    pressureHandler: (request: FastifyRequest, _reply: FastifyReply, type: string, value: number | undefined) => {
      if (request.routeOptions.config.modelRoute === undefined) return undefined
      request.log.warn({ pressure: type, value }, 'shedding load')
      return Promise.reject(refusal(options.retryAfterSeconds, `The gateway is overloaded (${type}); retry after ${options.retryAfterSeconds} s.`))
    }
  })

  if (options.maxConcurrentRequests > 0) {
    let inFlight = 0
    // Counted once the body is in, so a client uploading slowly holds no slot (RECEIVE_TIMEOUT_MS bounds it).
    app.addHook('preHandler', (request, reply, done) => {
      if (request.routeOptions.config.modelRoute === undefined) {
        done()
        return
      }
      if (inFlight >= options.maxConcurrentRequests) {
        request.log.warn({ inFlight }, 'shedding load: too many requests in flight')
        done(refusal(options.retryAfterSeconds, `The gateway is at its limit of ${options.maxConcurrentRequests} requests in flight; retry after ${options.retryAfterSeconds} s.`))
        return
      }
      inFlight++
      reply.raw.on('close', () => { inFlight-- })
      done()
    })
  }
}

export default fp(loadShedding, { name: 'load-shedding', fastify: '5.x' })
