import { existsSync, readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { buildApp } from './app.ts'
import type { Env } from './config/config.ts'
import { shuttingDown } from './canonical/errors.ts'
import cluster from 'node:cluster'
import { workerCount } from './cluster/worker-count.ts'
import { runPrimary } from './cluster/primary.ts'
import { connectToPrimary } from './cluster/worker-link.ts'
import { prepareSharedStore } from './cluster/prepare-store.ts'

/** `.env` in the working directory, under the real environment (which wins). Read once, at start-up. */
export function readEnvironment (): Env {
  const fromFile = existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {}
  return { ...fromFile, ...process.env }
}

/** How long requests ended at the grace period's end get to send their error before connections are cut. */
const END_REQUESTS_MS = 2000

/**
 * Stops on SIGTERM/SIGINT: stop accepting connections, answer new requests on open keep-alive connections with
 * 503, and let in-flight requests and streams finish for up to SHUTDOWN_GRACE_MS. Whatever is still running then
 * is ended cleanly (its provider call aborted; a 503, or a stream's error event, to its client) and the process
 * exits 0. Only connections still open END_REQUESTS_MS after that are cut, and the exit code is then 1.
 */
export function closeOnSignals (
  app: FastifyInstance,
  graceMs: number,
  onClosed: () => Promise<void> = async () => {},
  exit: (code: number) => void = () => {}
): void {
  let closing = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return
    closing = true
    app.log.info({ signal, graceMs, inFlight: app.inFlight.size }, 'shutting down: draining in-flight requests')
    let cut: NodeJS.Timeout | undefined
    const end = setTimeout(() => {
      app.log.warn({ inFlight: app.inFlight.size }, 'grace period over: ending the requests still in flight')
      app.inFlight.endAll(shuttingDown())
      cut = setTimeout(() => {
        app.log.warn('closing the connections still open')
        app.server.closeAllConnections()
        process.exitCode = 1
      }, END_REQUESTS_MS)
      cut.unref()
    }, graceMs)
    end.unref()
    app.close()
      .then(onClosed)
      .then(() => {
        clearTimeout(end)
        clearTimeout(cut)
        app.log.info('shut down cleanly')
      })
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down')
        process.exitCode = 1
      })
      .finally(() => { exit(typeof process.exitCode === 'number' ? process.exitCode : 0) })
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}

/**
 * Standard output, written asynchronously in batches: a line waits until 4 KB have gathered or a quarter of a
 * second has passed. Written line by line (pino's default), every line is its own write on libuv's thread pool.
 * Whatever is buffered is written out when the process exits, unless it is killed outright.
 */
type LogDestination = ReturnType<typeof pino.destination>

function logDestination (): LogDestination {
  return pino.destination({ dest: process.stdout.fd, sync: false, minLength: 4096, periodicFlush: 250 })
}

/** How long the last log lines get to be written at exit. */
const FINAL_FLUSH_MS = 1000

/**
 * Ends the process once the gateway has closed, whatever its log sink does. What is buffered is written if the
 * sink takes it within FINAL_FLUSH_MS. A sink that is gone (standard output a closed pipe, a dead log shipper)
 * or stalled is then let go: SonicBoom's own flush at exit retries a failing write forever, and left to itself
 * the process never ended.
 */
export function exitAfterFlushing (destination: LogDestination): (code: number) => void {
  return (code) => {
    let flushed = false
    const finish = (): void => {
      if (!flushed) destination.flushSync = () => {}
      process.exit(code)
    }
    const timer = setTimeout(finish, FINAL_FLUSH_MS)
    destination.flush((error?: Error) => {
      flushed = error == null
      clearTimeout(timer)
      finish()
    })
  }
}

/** Ends a start-up that failed with one line naming what is wrong (a setting, a port in use), not a stack trace. */
export function cannotStart (error: unknown): never {
  console.error(`switchyard: cannot start: ${(error as Error).message}`)
  process.exit(1)
}

async function main (): Promise<void> {
  const env = readEnvironment()
  let workers = 1
  try {
    workers = workerCount(env.WORKERS)
  } catch (error) {
    cannotStart(error)
  }
  if (workers > 1 && cluster.isPrimary) {
    await runPrimary({
      count: workers,
      log: pino({ level: env.LOG_LEVEL ?? 'info' }),
      prepare: async () => { await prepareSharedStore(env.STORE_URL) }
    }).catch(cannotStart)
    return
  }
  let app: FastifyInstance
  const destination = logDestination()
  try {
    app = await buildApp({ env, logStream: destination, ...(cluster.isWorker ? { worker: connectToPrimary() } : {}) })
    // Some settings are checked once every provider has registered, when the app gets ready.
    await app.ready()
  } catch (error) {
    cannotStart(error)
  }
  closeOnSignals(app, app.config.SHUTDOWN_GRACE_MS, undefined, exitAfterFlushing(destination))
  await app.listen({ port: app.config.PORT, host: app.config.HOST }).catch(cannotStart)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
