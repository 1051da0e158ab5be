import type { FastifyReply, FastifyRequest } from 'fastify'
import { meterOf, type RequestRecord } from '../observability/request-record.ts'
import type { CallOptions, CallTimeouts } from './types.ts'
import { watchClient, type InFlightRegistry } from './client-presence.ts'
import type { QueueIdentity } from '../provider-limits/admission.ts'

/** What an ingress route is configured with for its provider calls. */
export interface IngressCallSettings extends CallTimeouts {
  /** Where the request is registered while in flight, so a shutdown can end it cleanly. */
  inFlight?: InFlightRegistry
}

/** The options every ingress route gives the router for one client request. */
export function requestCallOptions (
  request: FastifyRequest,
  reply: FastifyReply,
  record: RequestRecord,
  settings: IngressCallSettings
): CallOptions & { record: RequestRecord, waiter: QueueIdentity | undefined } {
  return {
    record,
    waiter: request.queueWaiter === undefined ? undefined : request as QueueIdentity,
    meter: meterOf(record),
    requestId: request.id,
    log: request.log,
    requestTimeoutMs: settings.requestTimeoutMs,
    streamIdleTimeoutMs: settings.streamIdleTimeoutMs,
    streamTimeoutMs: settings.streamTimeoutMs,
    client: watchClient(reply.raw, () => { request.log.info('client closed the connection before the response was complete') }, settings.inFlight)
  }
}
