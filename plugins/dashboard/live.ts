import type { FastifyInstance } from 'fastify'
import type { ServerResponse } from 'node:http'

/** One provider on the overview: its state and its live figures. */
export interface LiveProvider {
  name: string
  displayName: string
  enabled: boolean
  mode: string
  circuit: string | null
  cooldownUntil: string | null
  requests: number
  requestsPerSecond: number
  errorRate: number
  p50LatencyMs: number | null
  p95LatencyMs: number | null
  p50TimeToFirstTokenMs: number | null
  today: { requests: number, errors: number, softFailures: number, cost: number } | null
}

export interface LiveSnapshot {
  at: string
  providers: LiveProvider[]
  lastRequest: { id: string, timestamp: string, provider: string, model: string, statusCode: number } | null
  /** The store could not be read for today's figures: why. */
  storeError: string | null
}

const TICK_MS = 1_000

/**
 * The overview's live feed: one snapshot a second, made once for every open dashboard (and not at all while none
 * is open), sent to each as a server-sent event. Never on the request path: it reads the counters the metrics keep.
 */
export function createLiveFeed (app: FastifyInstance): { subscribe: (response: ServerResponse) => void, close: () => void } {
  const subscribers = new Set<ServerResponse>()
  let timer: NodeJS.Timeout | undefined
  let previous = new Map<string, { requests: number, at: number }>()

  async function snapshot (): Promise<LiveSnapshot> {
    const now = Date.now()
    const metrics = new Map((await app.metrics.instance.providerMetrics()).map((entry) => [entry.provider, entry]))
    let today = new Map<string, { requests: number, errors: number, softFailures: number, cost: number }>()
    let storeError: string | null = null
    try {
      today = new Map((await app.store.window(now - (now % 86_400_000))).map((row) => [row.provider, { requests: row.requests, errors: row.errors, softFailures: row.softFailures, cost: row.cost }]))
    } catch (error) {
      storeError = (error as Error).message
    }
    const next = new Map<string, { requests: number, at: number }>()
    const providers = app.providers.all().map((provider): LiveProvider => {
      const live = metrics.get(provider.name)
      const health = app.router.health(provider.name)
      const requests = live?.requestCount ?? 0
      const before = previous.get(provider.name)
      next.set(provider.name, { requests, at: now })
      return {
        name: provider.name,
        displayName: provider.definition.displayName,
        enabled: provider.enabled,
        mode: provider.settings.dispatchMode,
        circuit: provider.enabled ? health?.circuit ?? null : null,
        cooldownUntil: health?.cooldownUntil === undefined ? null : new Date(health.cooldownUntil).toISOString(),
        requests,
        requestsPerSecond: before === undefined || now === before.at ? 0 : Math.max(0, requests - before.requests) * 1000 / (now - before.at),
        errorRate: live?.errorRate ?? 0,
        p50LatencyMs: live?.p50LatencyMs ?? null,
        p95LatencyMs: live?.p95LatencyMs ?? null,
        p50TimeToFirstTokenMs: live?.p50TimeToFirstTokenMs ?? null,
        today: today.get(provider.name) ?? null
      }
    })
    previous = next
    const [last] = await app.metrics.instance.logs({ limit: 1 })
    return {
      at: new Date(now).toISOString(),
      providers,
      lastRequest: last === undefined ? null : { id: last.id, timestamp: last.timestamp, provider: last.provider, model: last.model, statusCode: last.statusCode },
      storeError
    }
  }

  async function tick (): Promise<void> {
    const data = `event: snapshot\ndata: ${JSON.stringify(await snapshot())}\n\n`
    for (const response of subscribers) response.write(data)
  }

  function schedule (): void {
    timer = setTimeout(() => {
      tick().catch((error: unknown) => { app.log.warn({ err: error }, 'dashboard live feed: a snapshot failed') }).finally(() => {
        if (subscribers.size > 0) schedule()
        else timer = undefined
      })
    }, TICK_MS)
    timer.unref()
  }

  return {
    subscribe (response) {
      subscribers.add(response)
      response.on('close', () => { subscribers.delete(response) })
      // The first snapshot at once, so that a page that just opened does not wait a second.
      snapshot().then((first) => { response.write(`event: snapshot\ndata: ${JSON.stringify(first)}\n\n`) }, () => {})
      if (timer === undefined) schedule()
    },
    close () {
      clearTimeout(timer)
      for (const response of subscribers) response.end()
      subscribers.clear()
    }
  }
}
