import { GatewayError, clientStatusFor, errorKindForStatus, providerMessage } from '../../src/canonical/errors.ts'
import { isWireError } from './wire.ts'

/**
 * A Gemini error body (`{error:{code,message,status,details}}`, or that wrapped in an array) -> GatewayError.
 * A bad key is a 400 INVALID_ARGUMENT with reason API_KEY_INVALID: it becomes a 401 (the provider's key, so
 * routing may try another provider). RetryInfo.retryDelay stands in for a missing retry-after header.
 */
export function parseGeminiError (status: number, body: unknown, retryAfterSeconds: number | undefined, provider = 'gemini'): GatewayError {
  const unwrapped = Array.isArray(body) ? body[0] : body
  const error = isWireError.Check(unwrapped) ? unwrapped.error : undefined
  const details = error?.details ?? []
  const keyInvalid = details.some((detail) => detail.reason === 'API_KEY_INVALID')
  const effective = keyInvalid ? 401 : status
  const retryDelay = details.map((detail) => detail.retryDelay).find((delay): delay is string => typeof delay === 'string')
  const retryAfter = retryAfterSeconds ?? (retryDelay === undefined ? undefined : parseDuration(retryDelay))
  const message = keyInvalid
    ? 'invalid provider key (Gemini: API key not valid)'
    : error?.message === undefined || error.message === ''
      ? `the provider answered ${status}`
      : providerMessage(error.message)
  return new GatewayError(errorKindForStatus(effective), clientStatusFor(effective), `Gemini error (${status}${error?.status === undefined ? '' : ` ${error.status}`}): ${message}`, {
    provider,
    code: keyInvalid ? 'invalid_provider_key' : error?.status ?? null,
    retryAfterSeconds: retryAfter,
    upstreamStatus: effective
  })
}

/** `"15s"` or `"1.5s"` (protobuf Duration in JSON) -> whole seconds. */
function parseDuration (text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text)
  return match === null ? undefined : Math.ceil(Number(match[1]))
}
