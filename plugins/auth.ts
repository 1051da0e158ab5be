import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { bearerToken, presentedToken } from '../src/http/headers.ts'

export interface ClientAuth {
  /** True when no gateway keys are configured, or the request carries one of them. */
  isAuthorized: (request: FastifyRequest, options?: { allowXApiKey?: boolean }) => boolean
  /**
   * Contract §2 admin rule: `ADMIN_API_KEY` as a Bearer token when it is set; otherwise a gateway key;
   * otherwise open.
   */
  isAdmin: (request: FastifyRequest) => boolean
  /**
   * A short, stable, non-reversible name for the client key the request presents (`Authorization: Bearer` or
   * `x-api-key`), for per-key accounting; undefined without one. Shares the request's one digest with the checks.
   */
  keyFingerprint: (request: FastifyRequest) => string | undefined
  readonly required: boolean
  readonly adminOpen: boolean
}

export interface AuthOptions {
  gatewayKeys: readonly string[]
  adminKey?: string
}

declare module 'fastify' {
  interface FastifyInstance {
    clientAuth: ClientAuth
  }
  interface FastifyRequest {
    /** The SHA-256 of the last token checked for this request, so that auth and client limits hash it once. */
    presentedKeyDigest: { token: string, digest: Buffer } | null
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

/** A client key's short, non-reversible name (the first 6 bytes of its SHA-256), for per-key accounting. */
export function fingerprintOfKey (key: string): string {
  return fingerprintOf(digest(key))
}

const fingerprintOf = (keyDigest: Buffer): string => `key:${keyDigest.toString('hex', 0, 6)}`

function digestFor (request: FastifyRequest, token: string): Buffer {
  const cached = request.presentedKeyDigest
  if (cached !== null && cached.token === token) return cached.digest
  const computed = digest(token)
  request.presentedKeyDigest = { token, digest: computed }
  return computed
}

/**
 * Keys are compared as SHA-256 digests with `timingSafeEqual`, against every configured key, so neither the
 * length nor the position of a match leaks through timing.
 */
export function createClientAuth (gatewayKeys: readonly string[], adminKey?: string): ClientAuth {
  const digests = gatewayKeys.map(digest)
  const adminDigests = adminKey === undefined ? [] : [digest(adminKey)]
  const required = digests.length > 0
  const isAuthorized: ClientAuth['isAuthorized'] = (request, options = {}) => {
    if (!required) return true
    const token = presentedToken(request.headers, options.allowXApiKey === true)
    return token !== undefined && matchesAny(digests, digestFor(request, token))
  }
  return {
    required,
    adminOpen: adminKey === undefined && !required,
    isAuthorized,
    isAdmin (request) {
      if (adminKey === undefined) return isAuthorized(request)
      const token = bearerToken(request.headers.authorization)
      return token !== undefined && matchesAny(adminDigests, digestFor(request, token))
    },
    keyFingerprint (request) {
      const token = presentedToken(request.headers, true)
      return token === undefined ? undefined : fingerprintOf(digestFor(request, token))
    }
  }
}

function matchesAny (digests: readonly Buffer[], candidate: Buffer): boolean {
  let matched = false
  for (const known of digests) matched = timingSafeEqual(known, candidate) || matched
  return matched
}

const auth: FastifyPluginAsync<AuthOptions> = async (app, options) => {
  app.decorateRequest('presentedKeyDigest', null)
  app.decorate('clientAuth', createClientAuth(options.gatewayKeys, options.adminKey))
}

export default fp(auth, { name: 'auth', fastify: '5.x' })
