import { GatewayError, clientStatusFor, errorKindForStatus, providerMessage } from '../canonical/errors.ts'
import type { OpenAICompatibleDialect } from './dialect.ts'
import { isWireError } from './wire.ts'

/**
 * A provider error body -> GatewayError with the provider's status (non-standard ones made standard), its message
 * (never a raw body), code, param and retry-after. Parses every shape seen from these providers: OpenAI's
 * `{error:{message}}`, Mistral's `{message}` / `{detail:[...]}`, Together's legacy `{error:"text"}`.
 */
export function parseOpenAICompatibleError (
  status: number,
  body: unknown,
  retryAfterSeconds: number | undefined,
  provider: string,
  dialect: Pick<OpenAICompatibleDialect, 'displayName' | 'statuses'>
): GatewayError {
  let message: string | undefined
  let code: string | null = null
  let param: string | null = null
  if (isWireError.Check(body)) {
    const error = body.error
    if (typeof error === 'string') message = error
    else if (error !== undefined) {
      message = textOf(error.message)
      code = error.code == null ? null : String(error.code)
      param = error.param ?? null
    }
    message ??= textOf(body.message) ?? textOf(body.detail)
    if (code === null && body.code != null) code = String(body.code)
    param ??= body.param ?? null
  }
  // A status of the provider's own is told to clients, and classified, as the standard one it stands for.
  const standard = dialect.statuses?.[status] ?? status
  const summary = message === undefined || message === ''
    ? `the provider answered ${status}`
    : providerMessage(message)
  return new GatewayError(errorKindForStatus(standard), clientStatusFor(standard), `${dialect.displayName} error (${status}): ${summary}`, {
    provider,
    code,
    param,
    retryAfterSeconds,
    upstreamStatus: status
  })
}

function textOf (value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}
