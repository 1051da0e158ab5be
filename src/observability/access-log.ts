import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { costOf } from '../provider/pricing.ts'

/**
 * Fastify's request log lines, reshaped into an access log: one line per request at `info`, once its response is
 * over, with what an access log needs and, for model requests, the provider, model, attempts, tokens and cost. Fastify's
 * own were two (a line on arrival and another at the end, each through a child logger made for the request) and
 * said nothing of the model request. The arrival line is kept, at `debug`. A route's own `logLevel` (the health
 * probe's is warn) still wins over the gateway's. A response the client abandoned is not `completed`: the
 * client-presence watch logs it instead.
 */
export class AccessLog extends LogController {
  override incomingRequest (request: FastifyRequest): void {
    if (this.isLogDisabled(request) || !enabled(request, 'debug')) return
    rootLogger(request).debug({ reqId: request.id, method: request.method, path: pathOf(request.url) }, 'incoming request')
  }

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return
    if (error != null) {
      if (enabled(request, 'error')) rootLogger(request).error({ ...completedRequest(request, reply), err: error }, 'request errored')
    } else if (enabled(request, 'info')) {
      rootLogger(request).info(completedRequest(request, reply), 'request completed')
    }
  }
}

/** The gateway's logger (pino's, though Fastify's type does not say so): no child logger made per line. */
const rootLogger = (request: FastifyRequest): Logger => request.server.log as unknown as Logger

/**
 * Asked of the request's logger, which knows the route's own level (a pino child, or the gateway's
 * LazyRequestLogger, which answers without making the child).
 */
const enabled = (request: FastifyRequest, level: 'debug' | 'info' | 'error'): boolean =>
  (request.log as unknown as Pick<Logger, 'isLevelEnabled'>).isLevelEnabled(level)

/** The URL without its query string, which is the client's to fill and is not logged. */
function pathOf (url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

function completedRequest (request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    reqId: request.id,
    method: request.method,
    path: pathOf(request.url),
    statusCode: reply.statusCode,
    responseTimeMs: Math.round(reply.elapsedTime * 1000) / 1000
  }
  const record = request.record
  if (record == null) return entry
  const last = record.attempts[record.attempts.length - 1]
  entry.stream = record.stream
  entry.provider = last?.provider ?? null
  entry.model = last?.model ?? record.requestedModel
  entry.attempts = record.attempts.length
  if (record.usage !== undefined) {
    entry.tokensIn = record.usage.prompt_tokens
    entry.tokensOut = record.usage.completion_tokens
    // Priced as the x-switchyard-cost-usd header is: the provider's usage at its price table.
    const priced = last === undefined ? undefined : request.server.providers.get(last.provider)?.prices.priceOf(last.model)
    if (priced !== undefined && last?.success === true) entry.costUsd = costOf(record.usage, priced.price)
  }
  return entry
}
