import fp from 'fastify-plugin'
import { Type, type Static } from '@sinclair/typebox'
import { readSettingFile } from '../src/config/setting-file.ts'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { GatewayError } from '../src/canonical/errors.ts'
import '../src/ingress/model-route.ts'
import { fingerprintOfKey } from './auth.ts'
import type { WorkerLink } from '../src/cluster/worker-link.ts'
import { fixedWindow } from '../src/governance/periods.ts'
import { SharedStateUnavailable, type TakeStep } from '../src/shared-state/shared-state.ts'

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
  worker?: WorkerLink
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Each client's usage, for the whole instance (with WORKERS > 1, every worker's summed). */
    clientUsage: () => Promise<ClientUsage[]>
  }
}

const MINUTE_MS = 60_000
const TRACKED_CLIENTS_LIMIT = 10_000

export async function loadClientLimits (file: string | undefined): Promise<ClientLimitsFile> {
  return file === undefined ? {} : await readSettingFile('CLIENT_LIMITS_FILE', file, ClientLimitsFileSchema)
}

interface Client { usage: ClientUsage, limit: Limit }

// Counters outlive their minute by this much, so that tokens counted late still find theirs.
const COUNTER_TTL_MS = 2 * MINUTE_MS

/**
 * Per-client rate limits on model requests: requests and tokens per minute, in minute windows aligned to the
 * clock and counted in the shared state, so that with Redis (or WORKERS) every process counts against one limit.
 * A client over a limit gets 429 with retry-after in its protocol's error shape. Tokens are counted when a
 * response ends, from the usage the metrics recorded.
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
        limit
      }
      clients.set(id, client)
    }
    return client
  }

  const ownUsage = (): ClientUsage[] => [...clients.values()].map((client) => ({ ...client.usage }))
  const worker = options.worker
  worker?.serve('client-usage', ownUsage)
  app.decorate('clientUsage', worker === undefined ? async () => ownUsage() : async () => {
    const sums = new Map<string, ClientUsage>()
    for (const part of await worker.gather('client-usage') as ClientUsage[][]) {
      for (const usage of part) {
        const sum = sums.get(usage.client)
        if (sum === undefined) sums.set(usage.client, { ...usage })
        else {
          sum.requests += usage.requests
          sum.limited += usage.limited
          sum.tokensIn += usage.tokensIn
          sum.tokensOut += usage.tokensOut
        }
      }
    }
    return [...sums.values()]
  })

  app.addHook('onRequest', (request, reply, done) => {
    // Requests without a valid key are the auth hook's to refuse; counting them would let strangers fill the table.
    // Virtual keys carry limits of their own (plugins/governance).
    if (request.routeOptions.config.modelRoute !== 'generate' || !app.clientAuth.isAuthorized(request, { allowXApiKey: true }) || request.virtualKey !== null) {
      done()
      return
    }
    const client = clientOf(request)
    const now = Date.now()
    const minute = fixedWindow(now, MINUTE_MS)
    const { requestsPerMinute, tokensPerMinute } = client.limit
    const tokenCounter = `cl:${client.usage.client}:tok:${minute.label}`
    const steps: TakeStep[] = []
    // Amount 0 only checks: refused once the minute's tokens have reached the limit.
    if (tokensPerMinute !== undefined) steps.push({ key: tokenCounter, amount: 0, limit: tokensPerMinute - 1, ttlMs: COUNTER_TTL_MS })
    if (requestsPerMinute !== undefined) steps.push({ key: `cl:${client.usage.client}:req:${minute.label}`, amount: 1, limit: requestsPerMinute, ttlMs: COUNTER_TTL_MS })
    const admitted = (): void => {
      client.usage.requests++
      reply.raw.on('close', () => {
        const usage = request.record?.usage
        if (usage === undefined) return
        client.usage.tokensIn += usage.prompt_tokens
        client.usage.tokensOut += usage.completion_tokens
        if (tokensPerMinute !== undefined) void app.sharedState.add(tokenCounter, usage.total_tokens, COUNTER_TTL_MS).catch(() => {})
      })
      done()
    }
    if (steps.length === 0) {
      admitted()
      return
    }
    app.sharedState.takeAll(steps).then((taken) => {
      if (taken.allowed) {
        admitted()
        return
      }
      client.usage.limited++
      const over = steps[taken.refused]?.amount === 0 ? `${tokensPerMinute} tokens per minute` : `${requestsPerMinute} requests per minute`
      const retryAfterSeconds = Math.max(1, Math.ceil((minute.endMs - Date.now()) / 1000))
      done(new GatewayError('rate_limited', 429, `Rate limit for this client key reached (${over}); retry after ${retryAfterSeconds} s.`, { code: 'client_rate_limited', retryAfterSeconds }))
    }, (error: unknown) => {
      const retryAfterSeconds = 1
      done(error instanceof SharedStateUnavailable
        ? new GatewayError('rate_limited', 429, `Client limits cannot be checked right now (${error.message}); retry shortly.`, { code: 'limits_unavailable', retryAfterSeconds })
        : error as Error)
    })
  })
}

export default fp(clientLimits, { name: 'client-limits', fastify: '5.x', dependencies: ['metrics', 'auth', 'shared-state'] })
