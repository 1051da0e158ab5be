import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayError } from '../canonical/errors.ts'
import { toClientError } from './client-error.ts'
import { drainRequest } from './drain-request.ts'
import { renderOpenAIError } from '../ingress/openai/errors.ts'
import { renderAnthropicError } from '../ingress/anthropic/errors.ts'

/**
 * An ingress's one error handler: whatever a route, a hook or Fastify threw, mapped to what the client is told,
 * noted on the request record, logged once, and sent in the ingress protocol's shape (`render`) once the rest of
 * an unread body has been drained.
 */
export function createIngressErrorHandler (render: (error: GatewayError, request: FastifyRequest) => string, drainLimitBytes: number) {
  return async (error: FastifyError | GatewayError, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const mapped = toClientError(error)
    if (request.record !== null) request.record.error = mapped
    if (mapped.status >= 500) request.log.error({ err: error, provider: mapped.provider }, 'request failed')
    else if (mapped.provider !== undefined) request.log.warn({ provider: mapped.provider, status: mapped.status, upstreamStatus: mapped.upstreamStatus }, mapped.message)
    if (mapped.retryAfterSeconds !== undefined) reply.header('retry-after', String(mapped.retryAfterSeconds))
    if (mapped.retryAfterMs !== undefined) reply.header('retry-after-ms', String(mapped.retryAfterMs))
    await drainRequest(request.raw, drainLimitBytes)
    return await reply.code(mapped.status).type('application/json').send(render(mapped, request))
  }
}

/** Every error on an OpenAI-protocol route, the admin API and unknown routes. */
export const openAIErrorHandler = (drainLimitBytes: number): ReturnType<typeof createIngressErrorHandler> =>
  createIngressErrorHandler((error) => JSON.stringify(renderOpenAIError(error)), drainLimitBytes)

/** Errors on a route both protocols' clients call (`/v1/models`): in the shape of the client that called. */
export const eitherProtocolErrorHandler = (drainLimitBytes: number, isAnthropic: (request: FastifyRequest) => boolean): ReturnType<typeof createIngressErrorHandler> =>
  createIngressErrorHandler((error, request) => JSON.stringify(isAnthropic(request) ? renderAnthropicError(error) : renderOpenAIError(error)), drainLimitBytes)

/** Every error on an Anthropic-protocol route. */
export const anthropicErrorHandler = (drainLimitBytes: number): ReturnType<typeof createIngressErrorHandler> =>
  createIngressErrorHandler((error) => JSON.stringify(renderAnthropicError(error)), drainLimitBytes)
