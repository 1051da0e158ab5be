import { existsSync, readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.ts'
import type { Env } from './config.ts'

/** `.env` in the working directory, under the real environment (which wins). Read once, at start-up. */
export function readEnvironment (): Env {
  const fromFile = existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {}
  return { ...fromFile, ...process.env }
}

/**
 * Stops on SIGTERM/SIGINT: stop accepting connections, answer new requests on open keep-alive connections with
 * 503, let in-flight requests and streams finish for up to SHUTDOWN_GRACE_MS, then exit 0 (1 if forced).
 */
export function closeOnSignals (app: FastifyInstance, graceMs: number, onClosed: () => Promise<void> = async () => {}): void {
  let closing = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return
    closing = true
    app.log.info({ signal, graceMs }, 'shutting down: draining in-flight requests')
    const force = setTimeout(() => {
      app.log.warn('grace period over: closing the remaining connections')
      app.server.closeAllConnections()
      process.exitCode = 1
    }, graceMs)
    force.unref()
    app.close()
      .then(onClosed)
      .then(() => {
        clearTimeout(force)
        app.log.info('shut down cleanly')
      })
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down')
        process.exitCode = 1
      })
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}

async function main (): Promise<void> {
  let app: FastifyInstance
  try {
    app = await buildApp({ env: readEnvironment() })
  } catch (error) {
    console.error(`switchyard: cannot start: ${(error as Error).message}`)
    process.exit(1)
  }
  closeOnSignals(app, app.config.SHUTDOWN_GRACE_MS)
  await app.listen({ port: app.config.PORT, host: app.config.HOST })
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
