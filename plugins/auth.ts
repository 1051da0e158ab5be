import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { bearerToken, presentedToken } from '../src/http-headers.ts'

export interface ClientAuth {
  /** True when no gateway keys are configured, or the request carries one of them. */
  isAuthorized: (request: FastifyRequest, options?: { allowXApiKey?: boolean }) => boolean
  /**
   * Contract §2 admin rule: `ADMIN_API_KEY` as a Bearer token when it is set; otherwise a gateway key;
   * otherwise open.
   */
  isAdmin: (request: FastifyRequest) => boolean
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
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

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
    return token !== undefined && matchesAny(digests, token)
  }
  return {
    required,
    adminOpen: adminKey === undefined && !required,
    isAuthorized,
    isAdmin (request) {
      if (adminKey === undefined) return isAuthorized(request)
      const token = bearerToken(request.headers.authorization)
      return token !== undefined && matchesAny(adminDigests, token)
    }
  }
}

function matchesAny (digests: readonly Buffer[], token: string): boolean {
  const candidate = digest(token)
  let matched = false
  for (const known of digests) matched = timingSafeEqual(known, candidate) || matched
  return matched
}

const auth: FastifyPluginAsync<AuthOptions> = async (app, options) => {
  app.decorate('clientAuth', createClientAuth(options.gatewayKeys, options.adminKey))
}

export default fp(auth, { name: 'auth', fastify: '5.x' })
