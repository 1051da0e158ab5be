import fp from 'fastify-plugin'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { Type } from '@sinclair/typebox'
import fastifyCookie from '@fastify/cookie'
import fastifyStatic from '@fastify/static'
import { GatewayError, unauthenticated } from '../../src/canonical/errors.ts'
import { openAIErrorHandler } from '../../src/reply/error-handler.ts'
import { randomBytes } from 'node:crypto'
import { createDashboardSessions, equal, type DashboardSession } from './sessions.ts'
import { createLiveFeed } from './live.ts'

export interface DashboardOptions {
  /** The built assets (`npm run build`): index.html and assets/. */
  root: string
  sessionTtlMs: number
  bodyLimitBytes: number
  /** ADMIN_API_KEY is set: without it the dashboard is read-only. */
  adminKeySet: boolean
}

export interface DashboardAccess {
  /**
   * A request to the admin API carrying a dashboard session: a read while it is live; a write only with the
   * session's CSRF token, and never from a read-only session. Undefined when it carries no session cookie.
   */
  admits: (request: FastifyRequest) => Promise<boolean | undefined>
}

declare module 'fastify' {
  interface FastifyInstance {
    dashboardAccess: DashboardAccess
  }
}

export const SESSION_COOKIE = 'sy_dashboard'
const CSRF_HEADER = 'x-switchyard-csrf'

// Everything the page loads comes from the gateway itself; nothing inline, nothing from elsewhere.
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const SignInSchema = Type.Object({ key: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false })

/**
 * `/dashboard`: the built single-page app, and its session. An operator signs in with the admin key, which is
 * exchanged at once for an HttpOnly, SameSite=Strict cookie with a short lifetime: the key never reaches page
 * JavaScript or storage. The page then calls the admin API with that cookie, and every write with the session's
 * CSRF token too. Without ADMIN_API_KEY the dashboard is read-only, and says why.
 */
const dashboard: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  const sessions = createDashboardSessions(await app.store.installSecret(randomBytes(32).toString('base64url')) + ':dashboard', options.sessionTtlMs)
  const live = createLiveFeed(app)
  const adminKeySet = options.adminKeySet
  const readOnlyReason = adminKeySet ? null : 'No ADMIN_API_KEY is set on this gateway, so the dashboard only shows; set one to change settings from here.'
  // No hook: cookies are parsed only where a session is looked for, never on the request path of model calls.
  await app.register(fastifyCookie, { hook: false })
  const cookieOf = (request: FastifyRequest): string | undefined => {
    const header = request.headers.cookie
    return header === undefined ? undefined : app.parseCookie(header)[SESSION_COOKIE]
  }

  const signedOutKey = (id: string): string => `dashboard:signed-out:${id}`
  /** The request's live session: genuine, not expired, not signed out (on any replica). */
  const sessionOf = async (request: FastifyRequest): Promise<DashboardSession | undefined> => {
    const session = sessions.read(cookieOf(request), Date.now())
    if (session === undefined) return undefined
    const [signedOut] = await app.sharedState.read([signedOutKey(session.id)])
    return (signedOut ?? 0) > 0 ? undefined : session
  }

  app.decorate('dashboardAccess', {
    async admits (request) {
      if (cookieOf(request) === undefined) return undefined
      const session = await sessionOf(request)
      if (session === undefined) return false
      if (request.method === 'GET' || request.method === 'HEAD') return true
      const presented = request.headers[CSRF_HEADER]
      return !session.readOnly && typeof presented === 'string' && equal(presented, session.csrf)
    }
  } satisfies DashboardAccess)

  const built = await access(join(options.root, 'index.html')).then(() => true, () => false)
  app.addHook('onClose', async () => { live.close() })

  await app.register(async (scope) => {
    scope.setErrorHandler(openAIErrorHandler(4 * options.bodyLimitBytes))
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
    })

    if (built) {
      await scope.register(fastifyStatic, {
        root: options.root,
        prefix: '/dashboard/',
        index: ['index.html'],
        // Its own default (max-age=0 everywhere) is off: setHeaders says it per file.
        cacheControl: false,
        // Hashed file names never change: cached for a year. The page itself is checked every time.
        setHeaders: (response, path) => {
          response.setHeader('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable')
        }
      })
    } else {
      scope.get('/dashboard/', async (_request, reply) => reply.code(503).type('text/plain').send('The dashboard is not built: run `npm run build`.'))
    }
    scope.get('/dashboard', async (_request, reply) => reply.redirect('/dashboard/'))

    scope.get('/dashboard/api/session', async (request) => {
      const session = await sessionOf(request)
      return session === undefined
        ? { signedIn: false, readOnly: !adminKeySet, readOnlyReason, keyNeeded: !app.clientAuth.adminOpen }
        : { signedIn: true, readOnly: session.readOnly, readOnlyReason, csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString(), keyNeeded: !app.clientAuth.adminOpen }
    })

    scope.post('/dashboard/api/session', { schema: { body: SignInSchema } }, async (request, reply) => {
      const { key } = request.body as { key?: string }
      // Open admin endpoints take anyone; otherwise the admin key (or, without one, a gateway key) is checked.
      if (!app.clientAuth.adminOpen && (key === undefined || !app.clientAuth.isAdminToken(key))) {
        throw unauthenticated('That is not the admin key.')
      }
      const { session, cookie } = sessions.open(!adminKeySet, Date.now())
      setCookie(reply, request, cookie, options.sessionTtlMs)
      return { signedIn: true, readOnly: session.readOnly, readOnlyReason, csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() }
    })

    scope.delete('/dashboard/api/session', async (request, reply) => {
      const session = await sessionOf(request)
      if (session !== undefined) await app.sharedState.add(signedOutKey(session.id), 1, Math.max(1_000, session.expiresAt - Date.now()))
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.code(204).send()
    })

    scope.get('/dashboard/api/live', async (request, reply) => {
      if (await sessionOf(request) === undefined) throw new GatewayError('authentication', 401, 'Sign in to the dashboard first.', { code: 'not_signed_in' })
      reply.hijack()
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-content-type-options': 'nosniff'
      })
      live.subscribe(reply.raw)
    })
  })
}

function setCookie (reply: FastifyReply, request: FastifyRequest, value: string, ttlMs: number): void {
  reply.setCookie(SESSION_COOKIE, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: Math.floor(ttlMs / 1000)
  })
}

export default fp(dashboard, { name: 'dashboard', fastify: '5.x', dependencies: ['auth', 'metrics', 'routing', 'store', 'shared-state'] })
