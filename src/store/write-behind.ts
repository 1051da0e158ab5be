import type { StoreCounters } from './store.ts'

export interface WriteBehindOptions<T> {
  /** Writes one batch in one transaction; a rejection keeps the batch for the next try. */
  write: (rows: T[]) => Promise<void>
  batchSize: number
  intervalMs: number
  /** Most rows held while the database is slow or away; past it, the oldest are dropped and counted. */
  maxQueued: number
  /** Told once when writing starts failing (with the error) and once when it works again (with what was dropped). */
  onTrouble: (error: unknown) => void
  onRecovered: (droppedMeanwhile: number) => void
}

export interface WriteBehind<T> {
  push: (row: T) => void
  counters: () => StoreCounters
  /** Writes until the queue is empty or the deadline passes. */
  flush: (deadlineMs: number) => Promise<void>
  stop: () => void
}

/**
 * Rows wait in a bounded queue and go to the database in batches, every `intervalMs` or once `batchSize` are
 * waiting, one batch at a time, off the request path. A failed batch stays at the head of the queue and is tried
 * again on the next tick; while the database is away the queue fills to its bound and then drops its oldest rows.
 */
export function createWriteBehind<T> (options: WriteBehindOptions<T>): WriteBehind<T> {
  let queue: T[] = []
  let writing: Promise<void> | undefined
  let written = 0
  let dropped = 0
  let failedBatches = 0
  let troubled = false
  let droppedInEpisode = 0
  let soon: NodeJS.Immediate | undefined

  const timer = setInterval(() => { void writeNext() }, options.intervalMs)
  timer.unref()

  async function writeNext (): Promise<void> {
    if (writing !== undefined || queue.length === 0) return
    const batch = queue.length <= options.batchSize ? queue : queue.slice(0, options.batchSize)
    queue = batch === queue ? [] : queue.slice(batch.length)
    writing = options.write(batch).then(() => {
      written += batch.length
      if (troubled) {
        troubled = false
        options.onRecovered(droppedInEpisode)
        droppedInEpisode = 0
      }
    }, (error: unknown) => {
      failedBatches++
      queue = batch.concat(queue)
      trim()
      if (!troubled) {
        troubled = true
        options.onTrouble(error)
      }
    }).finally(() => { writing = undefined })
    await writing
    if (!troubled && queue.length >= options.batchSize) schedule()
  }

  function trim (): void {
    const over = queue.length - options.maxQueued
    if (over <= 0) return
    queue.splice(0, over)
    dropped += over
    droppedInEpisode += over
  }

  function schedule (): void {
    soon ??= setImmediate(() => {
      soon = undefined
      void writeNext()
    })
  }

  return {
    push (row) {
      queue.push(row)
      if (queue.length > options.maxQueued) {
        if (!troubled) {
          troubled = true
          options.onTrouble(new Error(`the store's queue is full (${options.maxQueued} rows): the database is not keeping up`))
        }
        trim()
      }
      if (queue.length >= options.batchSize && !troubled) schedule()
    },
    counters: () => ({ queued: queue.length, written, dropped, failedBatches }),
    async flush (deadlineMs) {
      const deadline = Date.now() + deadlineMs
      while ((queue.length > 0 || writing !== undefined) && Date.now() < deadline) {
        if (writing !== undefined) await writing
        else {
          const before = failedBatches
          await writeNext()
          if (failedBatches > before) await new Promise((resolve) => setTimeout(resolve, Math.min(100, options.intervalMs)))
        }
      }
    },
    stop () {
      clearInterval(timer)
      if (soon !== undefined) clearImmediate(soon)
    }
  }
}
