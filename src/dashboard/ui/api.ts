// The admin API, called with the session cookie (HttpOnly: this code never sees it) and, on writes, the session's
// CSRF token. No key is ever held here.

let csrf: string | undefined

export function setCsrf (token: string | undefined): void {
  csrf = token
}

export class ApiError extends Error {
  constructor (readonly status: number, message: string) {
    super(message)
  }
}

export async function api<T> (path: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE' = 'GET', body?: unknown): Promise<T> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && csrf !== undefined) headers['x-switchyard-csrf'] = csrf
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const text = await response.text()
  const parsed: unknown = text === '' ? undefined : JSON.parse(text)
  if (!response.ok) {
    const error = (parsed as { error?: { message?: string } } | undefined)?.error
    throw new ApiError(response.status, error?.message ?? `${method} ${path}: ${response.status}`)
  }
  return parsed as T
}

export interface SessionState {
  signedIn: boolean
  readOnly: boolean
  readOnlyReason: string | null
  keyNeeded: boolean
  csrf?: string
  expiresAt?: string
}
