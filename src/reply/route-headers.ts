import type { FastifyReply } from 'fastify'
import { formatAttempts, type RequestRecord } from '../observability/request-record.ts'

/** What routing tells a client about its request (RoutePlan's fields, without the plugin's types). */
export interface RouteFacts {
  readonly experiment?: { readonly name: string, readonly arm: string }
  readonly explanation?: Readonly<Record<string, unknown>>
}

/**
 * The routing headers, on an answer or an error alike: the attempts made, the queue wait, the experiment arm, and
 * (when asked for) `x-switchyard-route`, the plan's explanation with the attempts skipped and why.
 */
export function setRouteHeaders (reply: FastifyReply, record: RequestRecord, plan: RouteFacts): void {
  if (record.attempts.length > 0) reply.header('x-switchyard-attempts', formatAttempts(record.attempts))
  if (record.queuedMs !== undefined) reply.header('x-switchyard-queued-ms', String(Math.round(record.queuedMs)))
  if (plan.experiment !== undefined) reply.header('x-switchyard-experiment', plan.experiment.name).header('x-switchyard-arm', plan.experiment.arm)
  if (plan.explanation !== undefined) {
    const explained = {
      ...plan.explanation,
      ...(record.skipped === undefined ? {} : { skipped: record.skipped }),
      ...(record.queuedMs === undefined || record.queuedMs === 0 ? {} : { queuedMs: Math.round(record.queuedMs) })
    }
    // A header is Latin-1: anything past ASCII travels as a JSON escape.
    reply.header('x-switchyard-route', JSON.stringify(explained).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`))
  }
}
