import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { createMemoryState } from '../shared-state/memory-state.ts'
import { isSwitchyardMessage, type PrimaryToWorker, type StateOperation, type WorkerToPrimary } from './messages.ts'

export interface PrimaryOptions {
  count: number
  log: Logger
  /** Runs once before any worker starts (the store's migrations), so that workers never race to migrate. */
  prepare: () => Promise<void>
}

const COLLECT_TIMEOUT_MS = 1_500

/**
 * `WORKERS=N`: N gateway processes on one port (node:cluster hands each new connection to a worker). The primary
 * serves no requests: it keeps the shared counters when there is no Redis, relays what one worker tells the others,
 * gathers every worker's share of a figure (its registry, its live stats) for the worker asked, replaces a worker that dies, and
 * on SIGTERM drains every worker before it exits.
 */
export async function runPrimary (options: PrimaryOptions): Promise<void> {
  const { log } = options
  await options.prepare()
  const state = createMemoryState()
  let stopping = false
  const collections = new Map<number, { asker: Worker, askerId: number, parts: unknown[], waiting: number, timer: NodeJS.Timeout }>()
  let nextCollection = 1

  const send = (worker: Worker, message: PrimaryToWorker): void => {
    if (worker.isConnected()) worker.send(message)
  }
  const live = (): Worker[] => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && worker.isConnected())

  async function operate (operation: StateOperation): Promise<unknown> {
    if (operation.op === 'takeAll') return await state.takeAll(operation.steps)
    return await state.read(operation.keys)
  }

  function finishCollection (id: number): void {
    const collection = collections.get(id)
    if (collection === undefined) return
    collections.delete(id)
    clearTimeout(collection.timer)
    send(collection.asker, { switchyard: true, type: 'gather-reply', id: collection.askerId, parts: collection.parts })
  }

  function onMessage (worker: Worker, raw: unknown): void {
    if (!isSwitchyardMessage(raw)) return
    const message = raw as WorkerToPrimary
    if (message.type === 'state') {
      for (const add of message.adds) void state.add(add.key, add.amount, add.ttlMs)
      if (message.operations.length === 0) return
      void Promise.all(message.operations.map(async ({ id, operation }) => {
        try {
          return { id, result: await operate(operation) }
        } catch (error) {
          return { id, error: (error as Error).message }
        }
      })).then((replies) => { send(worker, { switchyard: true, type: 'state-reply', replies }) })
    } else if (message.type === 'publish') {
      for (const other of live()) if (other !== worker) send(other, { switchyard: true, type: 'message', message: message.message })
    } else if (message.type === 'gather') {
      const id = nextCollection++
      const workers = live()
      collections.set(id, { asker: worker, askerId: message.id, parts: [], waiting: workers.length, timer: setTimeout(() => { finishCollection(id) }, COLLECT_TIMEOUT_MS) })
      for (const each of workers) send(each, { switchyard: true, type: 'gather-collect', id, kind: message.kind, args: message.args })
    } else if (message.type === 'gather-part') {
      const collection = collections.get(message.id)
      if (collection === undefined) return
      collection.parts.push(message.part)
      if (--collection.waiting === 0) finishCollection(message.id)
    }
  }

  cluster.on('message', onMessage)
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return
    log.error({ worker: worker.id, code, signal }, 'a worker process died; starting another')
    fork()
  })

  const fork = (): Worker => cluster.fork()

  // All of them listening, or the first that could not start (it exits with a code: a setting, a port in use)
  // ends the whole start. One killed by a signal meanwhile is replaced like any other.
  await new Promise<void>((resolve, reject) => {
    let listening = 0
    const failedToStart = (worker: Worker, code: number | null, signal: string | null): void => {
      if (signal === null && listening < options.count) reject(new Error(`worker ${worker.id} exited with code ${code} before it was listening`))
    }
    cluster.on('exit', failedToStart)
    cluster.on('listening', function onListening () {
      if (++listening < options.count) return
      cluster.off('listening', onListening)
      cluster.off('exit', failedToStart)
      resolve()
    })
    for (let index = 0; index < options.count; index++) fork()
  }).catch((error: unknown) => {
    stopping = true
    for (const worker of live()) worker.process.kill('SIGKILL')
    throw error
  })
  log.info({ workers: options.count }, `listening with ${options.count} worker processes`)

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: every worker drains its requests')
    const workers = live()
    let worst = 0
    let left = workers.length
    if (left === 0) process.exit(0)
    for (const worker of workers) {
      worker.once('exit', (code) => {
        worst = Math.max(worst, code ?? 1)
        if (--left === 0) {
          void state.close()
          process.exit(worst)
        }
      })
      worker.process.kill(signal)
    }
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}
