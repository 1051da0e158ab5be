import type { SharedState } from './shared-state.ts'
import { SharedStateUnavailable } from './shared-state.ts'
import type { RedisState } from './redis-state.ts'

export type FailurePolicy = 'local' | 'closed'

export interface FailoverState extends SharedState {
  /** `shared` while Redis answers; `local` or `closed` (the policy) while it does not. */
  readonly mode: () => 'shared' | FailurePolicy
  /** Episodes in which Redis stopped answering. */
  readonly failures: () => number
}

export interface FailoverOptions {
  policy: FailurePolicy
  /** Once per episode, when Redis stops answering; and once when it is back. */
  onDown: (error: unknown) => void
  onUp: () => void
  /** How often a PING tests whether Redis is back. */
  probeEveryMs: number
}

/**
 * Redis first; while it does not answer, this process's own counters (`local`) or a refusal (`closed`). A failure
 * marks Redis down until a PING answers again, so that a Redis that hangs costs one timeout per
 * episode, not one per request. Local counts made while it was down are not copied back: limits restart from
 * what Redis held.
 */
export async function createFailoverState (remote: RedisState, local: SharedState, options: FailoverOptions): Promise<FailoverState> {
  let down = false
  let failures = 0

  const probe = setInterval(() => {
    if (!down) return
    remote.ping().then(() => {
      if (!down) return
      down = false
      options.onUp()
    }, () => {})
  }, options.probeEveryMs)
  probe.unref()

  function fail (error: unknown): void {
    if (down) return
    down = true
    failures++
    options.onDown(error)
  }

  // A Redis that is away at start-up is the first episode: the gateway starts on local counters and rejoins.
  await remote.connect().catch(fail)

  async function either<T> (viaRemote: () => Promise<T>, viaLocal: () => Promise<T>): Promise<T> {
    if (!down) {
      try {
        return await viaRemote()
      } catch (error) {
        fail(error)
      }
    }
    if (options.policy === 'closed') throw new SharedStateUnavailable('the shared state (Redis) is not answering')
    return await viaLocal()
  }

  return {
    kind: 'redis',
    mode: () => down ? options.policy : 'shared',
    failures: () => failures,
    takeAll: (steps) => either(() => remote.takeAll(steps), () => local.takeAll(steps)),
    add: (key, amount, ttlMs) => either(() => remote.add(key, amount, ttlMs), () => local.add(key, amount, ttlMs)),
    read: (keys) => either(() => remote.read(keys), () => local.read(keys)),
    publish: (message) => { if (!down) remote.publish(message) },
    subscribe: (listener) => { remote.subscribe(listener) },
    async close () {
      clearInterval(probe)
      await Promise.all([remote.close(), local.close()])
    }
  }
}
