import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { GatewayError } from '../canonical/errors.ts'
import { renderOpenAIError } from '../ingress/openai/errors.ts'

/**
 * What a client hears when its request never became one: it took longer than RECEIVE_TIMEOUT_MS or
 * HEADERS_TIMEOUT_MS to send, its headers were too large, or it was not HTTP. The route (and so the protocol)
 * is not known yet, so the answer is in OpenAI's shape, as for an unknown route; the connection is closed.
 */
export function answerClientSocketError (error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, message, code] = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? [408, 'The request was not received in time (RECEIVE_TIMEOUT_MS or HEADERS_TIMEOUT_MS); the connection is closed.', 'request_timeout']
    : error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are larger than the gateway accepts.', 'request_header_fields_too_large']
      : [400, 'The request is not valid HTTP.', 'bad_request']
  const body = JSON.stringify(renderOpenAIError(new GatewayError('invalid_request', status, message, { code })))
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}
