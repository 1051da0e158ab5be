import t from 'tap'
import { createWriteBehind } from './write-behind.ts'

interface Harness { batches: number[][], failing: boolean, troubles: unknown[], recoveries: number[] }

function harness (maxQueued = 10, batchSize = 4) {
  const state: Harness = { batches: [], failing: false, troubles: [], recoveries: [] }
  const writer = createWriteBehind<number>({
    batchSize,
    intervalMs: 10,
    maxQueued,
    write: async (rows) => {
      if (state.failing) throw new Error('database away')
      state.batches.push([...rows])
    },
    onTrouble: (error) => { state.troubles.push(error) },
    onRecovered: (dropped) => { state.recoveries.push(dropped) }
  })
  t.teardown(writer.stop)
  return { state, writer }
}

t.test('rows go in batches of at most batchSize, in order, each once', async (t) => {
  const { state, writer } = harness(100, 4)
  for (let row = 0; row < 10; row++) writer.push(row)
  await writer.flush(1_000)
  t.ok(state.batches.every((batch) => batch.length <= 4))
  t.same(state.batches.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  t.same(writer.counters(), { queued: 0, written: 10, dropped: 0, failedBatches: 0 })
})

t.test('while the database is away: the queue holds to its bound, drops the oldest and counts; one warning, then one recovery', async (t) => {
  const { state, writer } = harness(10, 4)
  state.failing = true
  for (let row = 0; row < 25; row++) writer.push(row)
  await writer.flush(50)
  const during = writer.counters()
  t.equal(during.queued, 10, 'bounded')
  t.equal(during.dropped, 15)
  t.ok(during.failedBatches >= 1)
  t.equal(state.troubles.length, 1, 'one warning for the episode')
  state.failing = false
  await writer.flush(1_000)
  t.same(state.batches.flat(), [15, 16, 17, 18, 19, 20, 21, 22, 23, 24], 'the newest rows were kept and written in order')
  t.same(state.recoveries, [15], 'one recovery, with what was lost meanwhile')
  t.same(writer.counters(), { queued: 0, written: 10, dropped: 15, failedBatches: during.failedBatches })
})

t.test('a full queue with a slow (not failing) database drops and warns once', async (t) => {
  let release: () => void = () => {}
  const troubles: unknown[] = []
  const writer = createWriteBehind<number>({
    batchSize: 2, intervalMs: 5, maxQueued: 3,
    write: async () => { await new Promise<void>((resolve) => { release = resolve }) },
    onTrouble: (error) => { troubles.push(error) },
    onRecovered: () => {}
  })
  t.teardown(writer.stop)
  writer.push(1)
  writer.push(2)
  await new Promise((resolve) => setTimeout(resolve, 20))
  for (let row = 3; row < 10; row++) writer.push(row)
  t.equal(writer.counters().queued, 3)
  t.equal(writer.counters().dropped, 4)
  t.equal(troubles.length, 1)
  release()
})
