import type { SharedMessage, SharedState } from '../shared-state/shared-state.ts'
import { isSwitchyardMessage, type PrimaryToWorker, type StateOperation, type WorkerToPrimary } from './messages.ts'

/** A worker's line to its primary: the instance's shared state, and the instance's Prometheus text. */
export interface WorkerLink {
  /** Counters kept by the primary for every worker (used without REDIS_URL). */
  state: SharedState
  /** Every worker's registry, aggregated by the primary. */
  instanceMetrics: () => Promise<string>
  /** Answers the primary's requests for this worker's registry. */
  serveMetrics: (collect: () => Promise<unknown[]>) => void
}

const REPLY_TIMEOUT_MS = 2_000

/** The link of the worker this process is, over its IPC channel (`process.send`). */
export function connectToPrimary (): WorkerLink {
  const send = (message: WorkerToPrimary): void => { process.send?.(message) }
  let nextId = 1
  const pending = new Map<number, { resolve: (value: unknown) => void, reject: (error: Error) => void, timer: NodeJS.Timeout }>()
  const listeners: Array<(message: SharedMessage) => void> = []
  let collect: (() => Promise<unknown[]>) | undefined

  function ask (message: (id: number) => WorkerToPrimary): Promise<unknown> {
    const id = nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error('the primary process did not answer'))
      }, REPLY_TIMEOUT_MS)
      pending.set(id, { resolve, reject, timer })
      send(message(id))
    })
  }

  function settle (id: number, error: string | undefined, value: unknown): void {
    const waiting = pending.get(id)
    if (waiting === undefined) return
    pending.delete(id)
    clearTimeout(waiting.timer)
    if (error === undefined) waiting.resolve(value)
    else waiting.reject(new Error(error))
  }

  process.on('message', (raw: unknown) => {
    if (!isSwitchyardMessage(raw)) return
    const message = raw as PrimaryToWorker
    if (message.type === 'state-reply') settle(message.id, message.error, message.result)
    else if (message.type === 'metrics-reply') settle(message.id, message.error, message.text)
    else if (message.type === 'message') for (const listener of listeners) listener(message.message)
    else if (message.type === 'metrics-collect' && collect !== undefined) {
      const { id } = message
      collect().then((metrics) => { send({ switchyard: true, type: 'metrics-part', id, metrics }) }, () => {
        send({ switchyard: true, type: 'metrics-part', id, metrics: [] })
      })
    }
  })

  const operate = (operation: StateOperation): Promise<unknown> => ask((id) => ({ switchyard: true, type: 'state', id, operation }))

  return {
    state: {
      kind: 'memory',
      take: async (key, amount, limit, ttlMs) => await operate({ op: 'take', key, amount, limit, ttlMs }) as { allowed: boolean, count: number },
      add: async (key, amount, ttlMs) => await operate({ op: 'add', key, amount, ttlMs }) as number,
      read: async (keys) => await operate({ op: 'read', keys: [...keys] }) as number[],
      publish: (message) => { send({ switchyard: true, type: 'publish', message }) },
      subscribe: (listener) => { listeners.push(listener) },
      close: async () => {}
    },
    instanceMetrics: async () => await ask((id) => ({ switchyard: true, type: 'metrics', id })) as string,
    serveMetrics: (collector) => { collect = collector }
  }
}
