import type { FastifyReply, FastifyRequest } from 'fastify'
import type { RequestRecord } from '../request-record.ts'
import type { CallOptions } from './call-provider.ts'
import { watchClient } from './client-presence.ts'

/** The options every ingress route gives the router for one client request. */
export function requestCallOptions (
  request: FastifyRequest,
  reply: FastifyReply,
  record: RequestRecord,
  timeouts: { requestTimeoutMs: number, streamIdleTimeoutMs: number }
): CallOptions & { record: RequestRecord } {
  return {
    record,
    requestId: request.id,
    log: request.log,
    requestTimeoutMs: timeouts.requestTimeoutMs,
    streamIdleTimeoutMs: timeouts.streamIdleTimeoutMs,
    client: watchClient(reply.raw, () => { request.log.info('client closed the connection before the response was complete') })
  }
}
