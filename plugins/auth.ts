import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { firstHeaderValue } from '../src/http-headers.ts'

export interface ClientAuth {
  /** True when no gateway keys are configured, or the request carries one of them. */
  isAuthorized: (request: FastifyRequest, options?: { allowXApiKey?: boolean }) => boolean
  readonly required: boolean
}

export interface AuthOptions {
  gatewayKeys: readonly string[]
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
export function createClientAuth (gatewayKeys: readonly string[]): ClientAuth {
  const digests = gatewayKeys.map(digest)
  const required = digests.length > 0
  return {
    required,
    isAuthorized (request, options = {}) {
      if (!required) return true
      const token = bearerToken(request.headers.authorization) ??
        (options.allowXApiKey === true ? firstHeaderValue(request.headers['x-api-key']) : undefined)
      if (token === undefined) return false
      const candidate = digest(token)
      let matched = false
      for (const known of digests) matched = timingSafeEqual(known, candidate) || matched
      return matched
    }
  }
}

function bearerToken (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer\s+(.+)$/i.exec(header)
  return match?.[1]?.trim()
}

const auth: FastifyPluginAsync<AuthOptions> = async (app, options) => {
  app.decorate('clientAuth', createClientAuth(options.gatewayKeys))
}

export default fp(auth, { name: 'auth', fastify: '5.x' })
