import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import fastifyEnv from '@fastify/env'
import sensible from '@fastify/sensible'
import { ConfigSchema, splitList, type Config, type Env } from './config/config.ts'
import { findProviderPlugins, loadProviderPlugin } from './provider/discovery.ts'
import { openAIErrorHandler } from './reply/error-handler.ts'
import { notFound } from './canonical/errors.ts'
import providerRegistry from '../plugins/provider-registry.ts'
import routing from '../plugins/routing/index.ts'
import auth from '../plugins/auth.ts'
import health from '../plugins/health.ts'
import openaiApi from '../plugins/openai-api.ts'
import modelsApi from '../plugins/models-api.ts'
import anthropicApi from '../plugins/anthropic-api.ts'
import loadShedding from '../plugins/load-shedding.ts'
import clientLimits from '../plugins/client-limits.ts'
import metrics from '../plugins/metrics/index.ts'
import store from '../plugins/store.ts'
import providerOverrides from '../plugins/provider-overrides.ts'
import routingDeclarations from '../plugins/routing-declarations.ts'
import modelDiscovery from '../plugins/model-discovery.ts'
import adminApi from '../plugins/admin-api/index.ts'
import dashboard from '../plugins/dashboard/index.ts'
import virtualKeys from '../plugins/virtual-keys.ts'
import sharedState from '../plugins/shared-state.ts'
import sharedHealth from '../plugins/shared-health.ts'
import governance from '../plugins/governance/index.ts'
import providerLimits from '../plugins/provider-limits.ts'
import { loadPriceOverrides } from './provider/pricing.ts'
import { loadModelGroups } from './model-groups/group-file.ts'
import { loadExperiments } from './experiments/experiment-file.ts'
import { LazyRequestLogger } from './observability/lazy-request-logger.ts'
import { AccessLog } from './observability/access-log.ts'
import { requestIdOf } from './observability/request-id.ts'
import { answerClientSocketError } from './reply/client-socket-error.ts'
import { createInFlightRegistry, type InFlightRequests } from './call/client-presence.ts'
import type { IngressCallSettings } from './call/request-call-options.ts'
import type { WorkerLink } from './cluster/worker-link.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Readonly<Config>
    /** Model requests in flight; a shutdown whose grace period is over ends them (see server.ts). */
    inFlight: InFlightRequests
  }
}

export interface BuildAppOptions {
  /** The environment to configure from; `process.env` is never read here. */
  env: Env
  /** Where log lines go (tests capture them); stdout when absent. */
  logStream?: DestinationStream
  /** Idle keep-alive time for provider sockets (tests keep it short); undici's default otherwise. */
  upstreamKeepAliveTimeoutMs?: number
  /** How often load is sampled for shedding (tests sample fast); under-pressure's default otherwise. */
  loadSampleIntervalMs?: number
  /** In a worker process (`WORKERS` > 1): its line to the primary, for the instance's shared state and metrics. */
  worker?: WorkerLink
}

export const BUILT_IN_PROVIDERS_DIR = fileURLToPath(new URL('../providers/', import.meta.url))
/** Where `npm run build` puts the dashboard (sources in src/dashboard/ui). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../dist/dashboard/', import.meta.url))

/** Logger settings shared by every entry: credentials are redacted wherever a serializer might put them. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.apiKey',
  'apiKey'
]

function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/**
 * Deadlines for a client to send its request, checked every second rather than Node's 30: a slowloris client
 * trickling headers or a body holds its connection at most this long, and never a request slot (those are
 * counted once the body is in). MAX_CONNECTIONS caps open connections; 0 leaves that to the system.
 */
function limitClientSockets (server: FastifyInstance['server'], config: Config): void {
  server.requestTimeout = config.RECEIVE_TIMEOUT_MS
  server.headersTimeout = Math.min(config.HEADERS_TIMEOUT_MS, config.RECEIVE_TIMEOUT_MS)
  ;(server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = Math.min(1000, server.headersTimeout)
  if (config.MAX_CONNECTIONS > 0) server.maxConnections = config.MAX_CONNECTIONS
}

export async function buildApp (options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: 'info',
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
      ...(options.logStream === undefined ? {} : { stream: options.logStream })
    },
    genReqId: requestIdOf,
    childLoggerFactory: (logger, bindings, options) => new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger,
    // One line per request instead of Fastify's two.
    logController: new AccessLog(),
    return503OnClosing: true,
    clientErrorHandler: answerClientSocketError,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } }
  })

  await app.register(fastifyEnv, { schema: ConfigSchema, data: options.env })
  const config = Object.freeze({ ...app.config })
  app.log.level = config.LOG_LEVEL
  limitClientSockets(app.server, config)

  await app.register(sensible)
  // Routes outside the two ingress protocols (probes, /metrics, unknown paths) answer errors in OpenAI's shape.
  app.setErrorHandler(openAIErrorHandler(4 * config.BODY_LIMIT_BYTES))
  app.setNotFoundHandler(async (request) => {
    throw notFound(`Unknown route ${request.method} ${request.url.split('?')[0] ?? ''}.`)
  })
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })

  await app.register(loadShedding, {
    maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: config.MAX_HEAP_USED_BYTES,
    maxRssBytes: config.MAX_RSS_BYTES,
    maxConcurrentRequests: config.MAX_CONCURRENT_REQUESTS,
    retryAfterSeconds: config.LOAD_SHED_RETRY_AFTER_S,
    ...(options.loadSampleIntervalMs === undefined ? {} : { sampleIntervalMs: options.loadSampleIntervalMs })
  })
  await app.register(providerRegistry, {
    env: options.env,
    priceOverrides: await loadPriceOverrides(config.PRICING_FILE),
    connectTimeoutMs: config.CONNECT_TIMEOUT_MS,
    maxResponseBytes: config.MAX_RESPONSE_BYTES,
    keepAliveTimeoutMs: options.upstreamKeepAliveTimeoutMs,
    proxy: {
      upstreamProxy: nonEmpty(config.UPSTREAM_PROXY),
      httpsProxy: nonEmpty(config.HTTPS_PROXY ?? options.env.https_proxy),
      httpProxy: nonEmpty(config.HTTP_PROXY ?? options.env.http_proxy),
      noProxy: nonEmpty(config.NO_PROXY ?? options.env.no_proxy)
    }
  })
  const providerFolders = [BUILT_IN_PROVIDERS_DIR, ...(config.PROVIDERS_DIR === undefined ? [] : [config.PROVIDERS_DIR])]
  for (const file of await findProviderPlugins(providerFolders)) {
    await app.register(await loadProviderPlugin(file))
  }
  await app.register(routing, {
    defaultProvider: config.DEFAULT_PROVIDER,
    defaultProviderExplicit: options.env.DEFAULT_PROVIDER !== undefined && options.env.DEFAULT_PROVIDER.trim() !== '',
    health: { cooldownMs: config.CIRCUIT_COOLDOWN_MS, maxRetryAfterMs: config.RETRY_AFTER_MAX_MS },
    groups: (await loadModelGroups(config.MODEL_GROUPS_FILE)).groups,
    experiments: await loadExperiments(config.EXPERIMENTS_FILE),
    explainRoutes: config.EXPLAIN_ROUTES === 'on'
  })
  await app.register(store, {
    url: config.STORE_URL,
    queueMaxRows: config.STORE_QUEUE_MAX_ROWS,
    batchRows: config.STORE_BATCH_ROWS,
    flushMs: config.STORE_FLUSH_MS,
    logRetentionDays: config.LOG_RETENTION_DAYS,
    rollupRetentionDays: config.ROLLUP_RETENTION_DAYS,
    flushOnCloseMs: Math.max(1_000, config.SHUTDOWN_GRACE_MS)
  })
  await app.register(providerOverrides, { pollMs: config.SETTINGS_POLL_MS })
  await app.register(routingDeclarations, { pollMs: config.SETTINGS_POLL_MS })
  await app.register(virtualKeys, { hashSecret: nonEmpty(config.KEY_HASH_SECRET), pollMs: config.SETTINGS_POLL_MS })
  const adminKey = nonEmpty(config.ADMIN_API_KEY)
  const gatewayKeys = splitList(config.GATEWAY_API_KEYS)
  await app.register(auth, { gatewayKeys, directory: app.keyDirectory, ...(adminKey === undefined ? {} : { adminKey }) })
  await app.register(sharedState, {
    redisUrl: nonEmpty(config.REDIS_URL),
    prefix: config.REDIS_PREFIX,
    onFailure: config.SHARED_STATE_ON_FAILURE,
    commandTimeoutMs: config.SHARED_STATE_TIMEOUT_MS,
    ...(options.worker === undefined ? {} : { instance: options.worker.state })
  })
  await app.register(sharedHealth)
  await app.register(metrics, { logBufferSize: config.LOG_BUFFER_SIZE, enabled: config.METRICS === 'on', ...(options.worker === undefined ? {} : { worker: options.worker }) })
  if (gatewayKeys.length > 0 || config.CLIENT_REQUESTS_PER_MINUTE > 0 || config.CLIENT_TOKENS_PER_MINUTE > 0 || config.CLIENT_LIMITS_FILE !== undefined) {
    await app.register(clientLimits, {
      file: config.CLIENT_LIMITS_FILE,
      ...(options.worker === undefined ? {} : { worker: options.worker }),
      defaults: {
        ...(config.CLIENT_REQUESTS_PER_MINUTE > 0 ? { requestsPerMinute: config.CLIENT_REQUESTS_PER_MINUTE } : {}),
        ...(config.CLIENT_TOKENS_PER_MINUTE > 0 ? { tokensPerMinute: config.CLIENT_TOKENS_PER_MINUTE } : {})
      }
    })
  }
  await app.register(governance)
  await app.register(providerLimits, { env: options.env, file: config.PROVIDER_LIMITS_FILE, maxWaitMs: config.QUEUE_MAX_WAIT_MS, maxDepth: config.QUEUE_MAX_DEPTH })
  await app.register(modelDiscovery, { refreshMs: config.MODEL_REFRESH_MS, timeoutMs: config.REQUEST_TIMEOUT_MS, enabled: config.MODEL_REFRESH_MS > 0 })
  await app.register(health)
  await app.register(dashboard, { root: DASHBOARD_DIR, sessionTtlMs: config.DASHBOARD_SESSION_MS, bodyLimitBytes: config.BODY_LIMIT_BYTES, adminKeySet: adminKey !== undefined })
  await app.register(adminApi, { logBufferSize: config.LOG_BUFFER_SIZE, bodyLimitBytes: config.BODY_LIMIT_BYTES })
  const inFlight = createInFlightRegistry()
  app.decorate('inFlight', inFlight as InFlightRequests)
  const callSettings: IngressCallSettings = { requestTimeoutMs: config.REQUEST_TIMEOUT_MS, streamIdleTimeoutMs: config.STREAM_IDLE_TIMEOUT_MS, streamTimeoutMs: config.STREAM_TIMEOUT_MS, inFlight }
  await app.register(modelsApi, { prefix: '/v1', bodyLimitBytes: config.BODY_LIMIT_BYTES })
  await app.register(openaiApi, {
    prefix: '/v1',
    ...callSettings,
    bodyLimitBytes: config.BODY_LIMIT_BYTES
  })
  await app.register(anthropicApi, {
    prefix: '/v1',
    ...callSettings,
    bodyLimitBytes: config.BODY_LIMIT_BYTES
  })

  // Fastify closes idle keep-alive connections once, when closing starts. A connection whose stream finishes during
  // the drain would then idle for the whole keep-alive timeout and hold shutdown up, so keep closing idle ones.
  // Node does not count a connection that has not sent a byte yet as idle (it is waiting out its headers timeout, a
  // minute), and clients and load balancers open such connections ahead of use: those are closed too.
  const connections = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket)
    socket.once('close', () => { connections.delete(socket) })
  })
  const closeIdle = (): void => {
    app.server.closeIdleConnections()
    for (const socket of connections) if (socket.bytesRead === 0) socket.destroy()
  }
  let drainTimer: NodeJS.Timeout | undefined
  app.addHook('preClose', async () => {
    closeIdle()
    drainTimer = setInterval(closeIdle, 100)
    drainTimer.unref()
  })
  app.addHook('onClose', async () => { clearInterval(drainTimer) })

  app.addHook('onReady', async () => {
    if (app.clientAuth.adminOpen && !isLoopback(config.HOST)) {
      app.log.warn({ host: config.HOST }, 'the admin endpoints (/providers/*, /metrics) are open to anyone who can reach this host: set ADMIN_API_KEY or GATEWAY_API_KEYS')
    }
    const enabled = app.providers.enabled().map((provider) => provider.name)
    app.log.info({ providers: enabled }, enabled.length === 0 ? 'no provider is enabled: set a <PROVIDER>_API_KEY' : 'providers enabled')
  })
  return app
}
