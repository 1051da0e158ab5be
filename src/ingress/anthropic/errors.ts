import type { GatewayError } from '../../canonical/errors.ts'

// Anthropic's error shape: `{"type":"error","error":{"type","message"}}`, the type named by the status.

export function anthropicErrorType (status: number): string {
  switch (status) {
    case 400: case 409: case 415: case 422: return 'invalid_request_error'
    case 401: return 'authentication_error'
    case 402: return 'billing_error'
    case 403: return 'permission_error'
    case 404: return 'not_found_error'
    case 413: return 'request_too_large'
    case 429: return 'rate_limit_error'
    case 503: case 529: return 'overloaded_error'
    case 504: return 'timeout_error'
    default: return status >= 500 ? 'api_error' : 'invalid_request_error'
  }
}

export function renderAnthropicError (error: GatewayError): { type: 'error', error: { type: string, message: string } } {
  return { type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } }
}
