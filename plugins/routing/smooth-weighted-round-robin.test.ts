import t from 'tap'
import { createWeightedRotation } from './smooth-weighted-round-robin.ts'

function picks (weights: number[], count: number): number[] {
  const rotation = createWeightedRotation(weights)
  return Array.from({ length: count }, () => rotation.next())
}

function tally (values: number[], size: number): number[] {
  const counts = new Array<number>(size).fill(0)
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1
  return counts
}

t.test('weights 9 and 1 give exactly 9 and 1 in every window of 10, the 1 spread into the cycle', async (t) => {
  const sequence = picks([9, 1], 100)
  for (let start = 0; start < 100; start += 10) t.same(tally(sequence.slice(start, start + 10), 2), [9, 1])
  t.not(sequence.slice(0, 10).indexOf(1), 0, 'the light member is not picked first')
})

t.test('equal weights alternate', async (t) => {
  t.same(picks([1, 1], 6), [0, 1, 0, 1, 0, 1])
  t.same(tally(picks([2, 2, 2], 300), 3), [100, 100, 100])
})

t.test('smooth: 5,1,1 interleaves instead of running five in a row', async (t) => {
  t.same(picks([5, 1, 1], 7), [0, 0, 1, 0, 2, 0, 0])
})

t.test('fractional and zero weights', async (t) => {
  t.same(tally(picks([0.5, 1.5], 400), 2), [100, 300])
  t.same(tally(picks([0, 3], 30), 2), [0, 30], 'weight 0 is never picked while another has weight')
  t.same(picks([0, 0], 4), [0, 1, 0, 1], 'all zero: plain round-robin')
  t.throws(() => createWeightedRotation([]))
})
