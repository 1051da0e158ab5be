import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError } from '../src/canonical/errors.ts'
import { renderOpenAIError } from '../src/ingress/openai/errors.ts'
import { renderAnthropicError } from '../src/ingress/anthropic/errors.ts'
import { isModelRoute } from '../src/ingress/model-routes.ts'

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


/** Sets up a 503 with retry-after and returns its body, in the error shape of the protocol the client speaks. */
function refusal (request: FastifyRequest, reply: FastifyReply, retryAfterSeconds: number, message: string): string {
  const error = new GatewayError('overloaded', 503, message, { code: 'overloaded', retryAfterSeconds })
  const body = request.routeOptions.url?.startsWith('/v1/messages') === true ? renderAnthropicError(error) : renderOpenAIError(error)
  void reply.code(503).header('retry-after', String(retryAfterSeconds)).type('application/json')
  return JSON.stringify(body)
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
    // Returning nothing lets the request through (everything but model routes); returning a body makes
    // under-pressure send it as the answer.
    pressureHandler: ((request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
      if (!isModelRoute(request.routeOptions.url)) return undefined
      request.log.warn({ pressure: type, value }, 'shedding load')
      return refusal(request, reply, options.retryAfterSeconds, `The gateway is overloaded (${type}); retry after ${options.retryAfterSeconds} s.`)
    }) as unknown as (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => void
  })

  if (options.maxConcurrentRequests > 0) {
    let inFlight = 0
    // Counted once the body is in, so a client uploading slowly holds no slot (RECEIVE_TIMEOUT_MS bounds it).
    app.addHook('preHandler', (request, reply, done) => {
      if (!isModelRoute(request.routeOptions.url)) {
        done()
        return
      }
      if (inFlight >= options.maxConcurrentRequests) {
        request.log.warn({ inFlight }, 'shedding load: too many requests in flight')
        void reply.send(refusal(request, reply, options.retryAfterSeconds, `The gateway is at its limit of ${options.maxConcurrentRequests} requests in flight; retry after ${options.retryAfterSeconds} s.`))
        return
      }
      inFlight++
      reply.raw.on('close', () => { inFlight-- })
      done()
    })
  }
}

export default fp(loadShedding, { name: 'load-shedding', fastify: '5.x' })
