import t from 'tap'
import { createLatencyHistogram } from './latency-histogram.ts'

function exactPercentile (sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

t.test('percentiles are within 0.5 % of the exact ones, from microseconds to minutes', async (t) => {
  const histogram = createLatencyHistogram()
  t.equal(histogram.percentile(50), null, 'nothing recorded yet')
  // A skewed mix, as latencies are: most fast, a long tail.
  let seed = 7
  const random = (): number => { seed = (seed * 48271) % 2147483647; return seed / 2147483647 }
  const samples = Array.from({ length: 50_000 }, () => 0.05 * Math.exp(random() * 14))
  for (const sample of samples) histogram.record(sample)
  const sorted = [...samples].sort((a, b) => a - b)
  t.equal(histogram.count, samples.length)
  for (const p of [0, 1, 10, 50, 90, 99, 99.9, 100]) {
    const exact = exactPercentile(sorted, p)
    const read = histogram.percentile(p) ?? Number.NaN
    t.ok(Math.abs(read - exact) / exact <= 0.005, `p${p}: ${read} ms against ${exact} ms`)
  }
})

t.test('values outside 1 µs – 1 h are clamped, and reset empties it', async (t) => {
  const histogram = createLatencyHistogram()
  histogram.record(0)
  histogram.record(10 * 3_600_000)
  t.ok(Math.abs((histogram.percentile(0) ?? 0) - 0.001) < 0.00001, 'below 1 µs reads as 1 µs')
  t.equal(histogram.percentile(100), 3_600_000, 'past an hour reads as an hour')
  histogram.reset()
  t.equal(histogram.count, 0)
  t.equal(histogram.percentile(99), null)
})

t.test('a histogram that absorbs another answers as if it had recorded both', async (t) => {
  const one = createLatencyHistogram()
  const other = createLatencyHistogram()
  const both = createLatencyHistogram()
  for (let index = 1; index <= 1000; index++) {
    const ms = index % 7 === 0 ? index * 3.1 : index * 0.37
    ;(index % 2 === 0 ? one : other).record(ms)
    both.record(ms)
  }
  one.absorb(other.buckets())
  t.equal(one.count, 1000)
  for (const p of [1, 50, 95, 99, 100]) t.equal(one.percentile(p), both.percentile(p), `p${p}`)
  one.absorb([[-1, 5], [1e9, 5], [0.5, 5]])
  t.equal(one.count, 1000, 'buckets that cannot exist are ignored')
})
