import { Redis } from 'ioredis'
import { startTcpForwarder, type TcpForwarder } from './tcp-forwarder.ts'

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/**
 * The test Redis's URL; undefined when it cannot be reached and this is not CI. In CI a missing Redis throws:
 * it is a failure, not a skip. Tests keep apart by a key prefix of their own.
 */
export async function redisUrl (): Promise<string | undefined> {
  const probe = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: () => null })
  probe.on('error', () => {})
  try {
    await probe.connect()
    await probe.ping()
    return TEST_REDIS_URL
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`Redis is required in CI and is not reachable at ${TEST_REDIS_URL}: ${(error as Error).message}`)
    return undefined
  } finally {
    probe.disconnect()
  }
}

/** The test Redis behind a TCP forwarder the test can cut and restore (Redis going away); closed after the test. */
export async function redisBehindForwarder (t: { teardown: (fn: () => unknown) => void }, url: string): Promise<{ url: string, forwarder: TcpForwarder }> {
  const target = new URL(url)
  const forwarder = await startTcpForwarder(target.hostname, Number(target.port || 6379))
  t.teardown(() => forwarder.close())
  return { url: `redis://127.0.0.1:${forwarder.port}`, forwarder }
}
