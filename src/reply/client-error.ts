import type { FastifyError } from 'fastify'
import { GatewayError, invalidRequest } from '../canonical/errors.ts'
import { asGatewayError } from '../ingress/openai/errors.ts'
import { fromValidationErrors } from '../ingress/openai/validation-error.ts'

/**
 * Whatever a route or Fastify itself threw, as the GatewayError a client is told: schema failures with the
 * failing field, too-large and wrong-type bodies, unparsable JSON and other 4xx as client errors; the rest is
 * the gateway's own 500. Each ingress renders the result in its protocol's shape.
 */
export function toClientError (error: FastifyError | GatewayError): GatewayError {
  if (error instanceof GatewayError) return error
  if (error.validation !== undefined) return fromValidationErrors(error.validation)
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new GatewayError('request_too_large', 413, 'The request body is larger than the gateway accepts (BODY_LIMIT_BYTES).', { code: 'request_too_large' })
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new GatewayError('invalid_request', 415, 'Send the request body as application/json.', { code: 'unsupported_media_type' })
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return invalidRequest(error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
      ? `We could not parse the JSON body of your request: ${error.message}`
      : error.message, null, 'invalid_request')
  }
  return asGatewayError(error)
}
