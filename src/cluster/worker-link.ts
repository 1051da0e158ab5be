import type { SharedMessage, SharedState, Taken } from '../shared-state/shared-state.ts'
import { isSwitchyardMessage, type PrimaryToWorker, type StateOperation, type WorkerToPrimary } from './messages.ts'

/** A worker's line to its primary: the instance's shared state, and every worker's share of a figure. */
export interface WorkerLink {
  /** Counters kept by the primary for every worker (used without REDIS_URL). */
  state: SharedState
  /** Every worker's answer (this one's included) to `kind`, as `serve` registered it in each. */
  gather: (kind: string, args?: unknown) => Promise<unknown[]>
  /** How this worker answers a `gather` of `kind`. */
  serve: (kind: string, answer: (args: unknown) => unknown) => void
}

const REPLY_TIMEOUT_MS = 2_000

/** The link of the worker this process is, over its IPC channel (`process.send`). */
export function connectToPrimary (): WorkerLink {
  const send = (message: WorkerToPrimary): void => { process.send?.(message) }
  let nextId = 1
  const pending = new Map<number, { resolve: (value: unknown) => void, reject: (error: Error) => void, timer: NodeJS.Timeout }>()
  const listeners: Array<(message: SharedMessage) => void> = []
  const answers = new Map<string, (args: unknown) => unknown>()

  /** A promise for the answer to request `id`, which `start` sends. */
  function expect (start: (id: number) => void): Promise<unknown> {
    const id = nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error('the primary process did not answer'))
      }, REPLY_TIMEOUT_MS)
      pending.set(id, { resolve, reject, timer })
      start(id)
    })
  }
  const ask = (message: (id: number) => WorkerToPrimary): Promise<unknown> => expect((id) => { send(message(id)) })

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
    if (message.type === 'state-reply') for (const reply of message.replies) settle(reply.id, reply.error, reply.result)
    else if (message.type === 'gather-reply') settle(message.id, undefined, message.parts)
    else if (message.type === 'message') for (const listener of listeners) listener(message.message)
    else if (message.type === 'gather-collect') {
      const { id } = message
      // A worker that cannot answer sends nothing (null): the asker merges what came.
      Promise.resolve().then(() => answers.get(message.kind)?.(message.args) ?? null).then(
        (part) => { send({ switchyard: true, type: 'gather-part', id, part }) },
        () => { send({ switchyard: true, type: 'gather-part', id, part: null }) })
    }
  })

  // Operations asked for in one turn of the event loop travel in one message: under load, one IPC round trip
  // serves many requests, where a message each cost more CPU than the rest of the governance.
  let batch: Array<{ id: number, operation: StateOperation }> = []
  let adds: Array<{ key: string, amount: number, ttlMs: number }> = []
  const flush = (): void => {
    const message: WorkerToPrimary = { switchyard: true, type: 'state', operations: batch, adds }
    batch = []
    adds = []
    send(message)
  }
  const schedule = (): void => { if (batch.length === 0 && adds.length === 0) setImmediate(flush) }
  const operate = (operation: StateOperation): Promise<unknown> => expect((id) => {
    schedule()
    batch.push({ id, operation })
  })

  return {
    state: {
      kind: 'memory',
      takeAll: async (steps) => await operate({ op: 'takeAll', steps: [...steps] }) as Taken,
      add: async (key, amount, ttlMs) => {
        schedule()
        adds.push({ key, amount, ttlMs })
      },
      read: async (keys) => await operate({ op: 'read', keys: [...keys] }) as number[],
      publish: (message) => { send({ switchyard: true, type: 'publish', message }) },
      subscribe: (listener) => { listeners.push(listener) },
      close: async () => {}
    },
    gather: async (kind, args = null) => (await ask((id) => ({ switchyard: true, type: 'gather', id, kind, args })) as unknown[]).filter((part) => part !== null),
    serve: (kind, answer) => { answers.set(kind, answer) }
  }
}
