import { Redis } from 'ioredis'

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
