import type { IncomingHttpHeaders } from 'node:http'

/** The first value of a header Node may hand over as a string or a list. */
export function firstHeaderValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** The token in `Authorization: Bearer <token>`. */
export function bearerToken (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer\s+(.+)$/i.exec(header)
  return match?.[1]?.trim()
}

/** The credential a client presented: a Bearer token, else (where the protocol allows it) `x-api-key`. */
export function presentedToken (headers: IncomingHttpHeaders, allowXApiKey: boolean): string | undefined {
  return bearerToken(headers.authorization) ?? (allowXApiKey ? firstHeaderValue(headers['x-api-key']) : undefined)
}
