import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { bearerToken, presentedToken } from '../src/http/headers.ts'
import type { KeyDirectory } from '../src/governance/key-directory.ts'
import type { VirtualKey } from '../src/governance/virtual-key.ts'

export interface ClientAuth {
  /** True when no client keys are in use, or the request carries a gateway key or a usable virtual key. */
  isAuthorized: (request: FastifyRequest, options?: { allowXApiKey?: boolean }) => boolean
  /** Why the request is refused (for the client: no key material in it), or undefined when it is authorized. */
  refusal: (request: FastifyRequest, options?: { allowXApiKey?: boolean }) => string | undefined
  /**
   * Contract §2 admin rule: `ADMIN_API_KEY` as a Bearer token when it is set; otherwise a gateway key;
   * otherwise open.
   */
  isAdmin: (request: FastifyRequest) => boolean
  /** A token is the admin key by the same rule (any token while the admin endpoints are open). */
  isAdminToken: (token: string) => boolean
  /**
   * A short, stable, non-reversible name for the client key the request presents (`Authorization: Bearer` or
   * `x-api-key`), for per-key accounting; undefined without one. Shares the request's one digest with the checks.
   * A virtual key is named by its id.
   */
  keyFingerprint: (request: FastifyRequest) => string | undefined
  /** GATEWAY_API_KEYS is set, or a virtual key exists: a client must present a key. */
  readonly required: boolean
  /** GATEWAY_API_KEYS is set: client keys are known from start-up. */
  readonly staticKeys: boolean
  readonly adminOpen: boolean
}

export interface AuthOptions {
  gatewayKeys: readonly string[]
  adminKey?: string
  /** Virtual keys (plugins/virtual-keys.ts), when the app has them. */
  directory?: KeyDirectory
}

declare module 'fastify' {
  interface FastifyInstance {
    clientAuth: ClientAuth
  }
  interface FastifyRequest {
    /** The SHA-256 of the last token checked for this request, so that auth and client limits hash it once. */
    presentedKeyDigest: { token: string, digest: Buffer } | null
    /** The virtual key the request was authorized with, if it was. */
    virtualKey: VirtualKey | null
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
export function createClientAuth (gatewayKeys: readonly string[], adminKey?: string, directory?: KeyDirectory): ClientAuth {
  const digests = gatewayKeys.map(digest)
  const adminDigests = adminKey === undefined ? [] : [digest(adminKey)]
  const staticKeys = digests.length > 0
  const required = (): boolean => staticKeys || (directory !== undefined && directory.size() > 0)
  const refusal: ClientAuth['refusal'] = (request, options = {}) => {
    if (!required()) return undefined
    const token = presentedToken(request.headers, options.allowXApiKey === true)
    if (token === undefined) return 'Missing or invalid gateway API key.'
    if (staticKeys && matchesAny(digests, digestFor(request, token))) return undefined
    const key = directory?.find(token)
    if (key === undefined || key.revoked) return 'Missing or invalid gateway API key.'
    if (!key.enabled) return `The key '${key.name}' is disabled.`
    if (key.expiresAtMs !== undefined && key.expiresAtMs <= Date.now()) return `The key '${key.name}' expired at ${new Date(key.expiresAtMs).toISOString()}.`
    request.virtualKey = key
    return undefined
  }
  const isAuthorized: ClientAuth['isAuthorized'] = (request, options) => refusal(request, options) === undefined
  return {
    get required () { return required() },
    staticKeys,
    adminOpen: adminKey === undefined && !staticKeys,
    isAuthorized,
    refusal,
    isAdminToken (token) {
      if (adminKey === undefined) return !staticKeys || matchesAny(digests, digest(token))
      return matchesAny(adminDigests, digest(token))
    },
    isAdmin (request) {
      // Without ADMIN_API_KEY a gateway key administers; a virtual key never does.
      const token = bearerToken(request.headers.authorization)
      if (adminKey === undefined) return !staticKeys || (token !== undefined && matchesAny(digests, digestFor(request, token)))
      return token !== undefined && matchesAny(adminDigests, digestFor(request, token))
    },
    keyFingerprint (request) {
      if (request.virtualKey !== null) return request.virtualKey.id
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
  app.decorateRequest('virtualKey', null)
  app.decorate('clientAuth', createClientAuth(options.gatewayKeys, options.adminKey, options.directory))
}

export default fp(auth, { name: 'auth', fastify: '5.x' })
