import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** A signed-in dashboard: the cookie carries it; the CSRF token must come back on every write. */
export interface DashboardSession {
  id: string
  expiresAt: number
  /** No ADMIN_API_KEY is set: the dashboard shows, and changes nothing. */
  readOnly: boolean
  csrf: string
}

export interface DashboardSessions {
  /** A new session and the cookie value that carries it. */
  open: (readOnly: boolean, now: number) => { session: DashboardSession, cookie: string }
  /** The session a cookie value carries, if it is genuine and not expired (sign-out is checked apart). */
  read: (cookie: string | undefined, now: number) => DashboardSession | undefined
}

/**
 * Sessions as signed cookie values (`id.expiry.readOnly.signature`, HMAC-SHA256 with the install's secret), so
 * that every worker and replica on the same store accepts a session any of them opened, with nothing to share but
 * the secret. The CSRF token is derived from the id with the same secret. A signed-out id is remembered in the
 * shared state until the session would have expired (plugins/dashboard/index.ts).
 */
export function createDashboardSessions (secret: string, ttlMs: number): DashboardSessions {
  const sign = (text: string): string => createHmac('sha256', secret).update(text).digest('base64url')
  const csrfOf = (id: string): string => sign(`csrf:${id}`).slice(0, 32)
  return {
    open (readOnly, now) {
      const id = randomBytes(18).toString('base64url')
      const expiresAt = now + ttlMs
      const body = `${id}.${expiresAt}.${readOnly ? 1 : 0}`
      return { session: { id, expiresAt, readOnly, csrf: csrfOf(id) }, cookie: `${body}.${sign(body)}` }
    },
    read (cookie, now) {
      const match = cookie === undefined ? null : /^([A-Za-z0-9_-]{24})\.(\d{13,15})\.([01])\.([A-Za-z0-9_-]{43})$/.exec(cookie)
      if (match === null) return undefined
      const [, id, expiry, readOnly, signature] = match as unknown as [string, string, string, string, string]
      if (!equal(signature, sign(`${id}.${expiry}.${readOnly}`))) return undefined
      const expiresAt = Number(expiry)
      if (expiresAt <= now) return undefined
      return { id, expiresAt, readOnly: readOnly === '1', csrf: csrfOf(id) }
    }
  }
}

/** Two strings compared in constant time. */
export function equal (a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
