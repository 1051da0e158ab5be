import { GatewayError, type ErrorKind } from '../../canonical/errors.ts'

export interface OpenAIErrorBody {
  error: { message: string, type: string, param: string | null, code: string | null }
}

const TYPES: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
  overloaded: 'service_unavailable_error',
  upstream_timeout: 'timeout_error',
  upstream_unavailable: 'api_error',
  upstream_error: 'api_error',
  client_closed: 'invalid_request_error',
  internal: 'server_error'
}

/** The OpenAI error shape, used for every error on `/v1/chat/completions` and `/v1/models`. */
export function renderOpenAIError (error: GatewayError): OpenAIErrorBody {
  return { error: { message: error.message, type: TYPES[error.kind], param: error.param, code: error.code } }
}

/** Anything that is not already a GatewayError is an internal fault: its message is not shown to clients. */
export function asGatewayError (error: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  return new GatewayError('internal', 500, 'The gateway failed to process the request.', { cause: error })
}
