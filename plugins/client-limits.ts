import fp from 'fastify-plugin'
import { readFile } from 'node:fs/promises'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { GatewayError } from '../src/canonical/errors.ts'
import { ConfigurationError } from '../src/config/provider-settings.ts'
import '../src/ingress/model-route.ts'
import { fingerprintOfKey } from './auth.ts'

const LimitSchema = Type.Object({
  requestsPerMinute: Type.Optional(Type.Integer({ minimum: 1 })),
  tokensPerMinute: Type.Optional(Type.Integer({ minimum: 1 }))
}, { additionalProperties: false })

/** `CLIENT_LIMITS_FILE`: a default for every client, and limits per client key (by the key itself, never logged). */
export const ClientLimitsFileSchema = Type.Object({
  default: Type.Optional(LimitSchema),
  keys: Type.Optional(Type.Record(Type.String({ minLength: 1 }), LimitSchema))
}, { additionalProperties: false })

export type Limit = Static<typeof LimitSchema>
export type ClientLimitsFile = Static<typeof ClientLimitsFileSchema>

export interface ClientUsage {
  /**
   * `key:` plus the first 12 hex digits of the key's SHA-256 when GATEWAY_API_KEYS is set; without gateway keys,
   * any token would do, so clients are told apart by `address:` and their IP address instead.
   */
  client: string
  requests: number
  limited: number
  tokensIn: number
  tokensOut: number
  requestsPerMinute: number | null
  tokensPerMinute: number | null
}

export interface ClientLimitsOptions {
  defaults: Limit
  file: string | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    clientUsage: () => ClientUsage[]
  }
}

const MINUTE_MS = 60_000
const TRACKED_CLIENTS_LIMIT = 10_000

export async function loadClientLimits (file: string | undefined): Promise<ClientLimitsFile> {
  if (file === undefined) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new ConfigurationError(`Invalid configuration: CLIENT_LIMITS_FILE=${file} cannot be read as JSON (${(error as Error).message})`)
  }
  const first = Value.Errors(ClientLimitsFileSchema, parsed).First()
  if (first !== undefined) throw new ConfigurationError(`Invalid configuration: CLIENT_LIMITS_FILE=${file}: ${first.path || '/'} ${first.message}`)
  return parsed as ClientLimitsFile
}

interface Window { started: number, requests: number, tokens: number }
interface Client { usage: ClientUsage, limit: Limit, current: Window, previous: Window }

/**
 * Per-client rate limits on model requests: requests and tokens per minute, over a sliding window (the
 * current minute plus the previous one, weighted). A client over a limit gets 429 with retry-after in its
 * protocol's error shape. Tokens are counted when a response ends, from the usage the metrics recorded.
 */
const clientLimits: FastifyPluginAsync<ClientLimitsOptions> = async (app, options) => {
  const file = await loadClientLimits(options.file)
  const perKey = new Map(Object.entries(file.keys ?? {}).map(([key, limit]) => [fingerprintOfKey(key), limit]))
  const defaults: Limit = { ...options.defaults, ...file.default }
  const clients = new Map<string, Client>()
  const byKey = app.clientAuth.staticKeys
  if (!byKey) {
    app.log.warn(perKey.size > 0
      ? 'client limits: GATEWAY_API_KEYS is not set, so any token is accepted and limits count per client address; the per-key limits of CLIENT_LIMITS_FILE are not applied'
      : 'client limits: GATEWAY_API_KEYS is not set, so any token is accepted and limits count per client address')
  }

  function clientOf (request: FastifyRequest): Client {
    const id = byKey ? app.clientAuth.keyFingerprint(request) ?? 'anonymous' : `address:${request.ip}`
    let client = clients.get(id)
    if (client === undefined) {
      if (clients.size >= TRACKED_CLIENTS_LIMIT) clients.delete(clients.keys().next().value ?? '')
      const limit = perKey.get(id) ?? defaults
      client = {
        usage: { client: id, requests: 0, limited: 0, tokensIn: 0, tokensOut: 0, requestsPerMinute: limit.requestsPerMinute ?? null, tokensPerMinute: limit.tokensPerMinute ?? null },
        limit,
        current: { started: Date.now(), requests: 0, tokens: 0 },
        previous: { started: 0, requests: 0, tokens: 0 }
      }
      clients.set(id, client)
    }
    return client
  }

  function roll (client: Client, now: number): void {
    const elapsed = now - client.current.started
    if (elapsed < MINUTE_MS) return
    client.previous = elapsed < 2 * MINUTE_MS ? client.current : { started: now - MINUTE_MS, requests: 0, tokens: 0 }
    client.current = { started: client.previous.started + MINUTE_MS, requests: 0, tokens: 0 }
  }

  /** The sliding-window estimate: the current minute plus the share of the previous one still inside the window. */
  function recent (client: Client, now: number, field: 'requests' | 'tokens'): number {
    const weight = 1 - (now - client.current.started) / MINUTE_MS
    return client.current[field] + client.previous[field] * Math.max(0, weight)
  }

  app.decorate('clientUsage', () => [...clients.values()].map((client) => ({ ...client.usage })))

  app.addHook('onRequest', (request, reply, done) => {
    // Requests without a valid key are the auth hook's to refuse; counting them would let strangers fill the table.
    if (request.routeOptions.config.modelRoute !== 'generate' || !app.clientAuth.isAuthorized(request, { allowXApiKey: true })) {
      done()
      return
    }
    const client = clientOf(request)
    const now = Date.now()
    roll(client, now)
    const { requestsPerMinute, tokensPerMinute } = client.limit
    const over = requestsPerMinute !== undefined && recent(client, now, 'requests') + 1 > requestsPerMinute
      ? `${requestsPerMinute} requests per minute`
      : tokensPerMinute !== undefined && recent(client, now, 'tokens') >= tokensPerMinute
        ? `${tokensPerMinute} tokens per minute`
        : undefined
    if (over !== undefined) {
      client.usage.limited++
      const retryAfterSeconds = Math.max(1, Math.ceil((client.current.started + MINUTE_MS - now) / 1000))
      done(new GatewayError('rate_limited', 429, `Rate limit for this client key reached (${over}); retry after ${retryAfterSeconds} s.`, { code: 'client_rate_limited', retryAfterSeconds }))
      return
    }
    client.current.requests++
    client.usage.requests++
    reply.raw.on('close', () => {
      const usage = request.record?.usage
      if (usage === undefined) return
      roll(client, Date.now())
      client.current.tokens += usage.total_tokens
      client.usage.tokensIn += usage.prompt_tokens
      client.usage.tokensOut += usage.completion_tokens
    })
    done()
  })
}

export default fp(clientLimits, { name: 'client-limits', fastify: '5.x', dependencies: ['metrics', 'auth'] })
