import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

// What a client or a proxy in front may send as `x-request-id` and have kept: short, and nothing that could
// break a log line or a header (letters, digits and `._:-`).
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The request's id: the `x-request-id` it arrived with, so that one id follows a request through a load balancer
 * and the gateway's logs, or a new UUID when it has none or one that is not acceptable.
 */
export function requestIdOf (request: IncomingMessage): string {
  const sent = request.headers['x-request-id']
  return typeof sent === 'string' && ACCEPTED.test(sent) ? sent : randomUUID()
}
