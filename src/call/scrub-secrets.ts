import { GatewayError } from '../canonical/errors.ts'

// Providers echo keys back in error text ("Incorrect API key provided: sk-abc...xyz"). Anything that looks like
// a key, and every configured key verbatim, is removed before an error message can reach a client or a log.
const KEY_LIKE = /\b(?:sk|gsk|pk|rk|xai|key|AIza)[-_]?[A-Za-z0-9*._-]{8,}/g

export function scrubText (text: string, secrets: readonly string[]): string {
  let scrubbed = text
  for (const secret of secrets) {
    if (secret.length >= 4 && scrubbed.includes(secret)) scrubbed = scrubbed.split(secret).join('[redacted]')
  }
  return scrubbed.replace(KEY_LIKE, '[redacted]')
}

export function scrubSecrets (error: GatewayError, secrets: readonly string[]): GatewayError {
  const message = scrubText(error.message, secrets)
  if (message === error.message) return error
  return new GatewayError(error.kind, error.status, message, {
    param: error.param,
    code: error.code,
    provider: error.provider,
    retryAfterSeconds: error.retryAfterSeconds,
    upstreamStatus: error.upstreamStatus
  })
}
