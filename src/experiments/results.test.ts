import t from 'tap'
import { meanDifference, proportionDifference } from './results.ts'
import { hash32 } from './assignment.ts'

t.test('a difference of two rates carries the Wald interval', async (t) => {
  const difference = proportionDifference(20, 100, 10, 100)
  const se = Math.sqrt(0.2 * 0.8 / 100 + 0.1 * 0.9 / 100)
  t.equal(difference?.difference.toFixed(6), '0.100000')
  t.equal(difference?.low.toFixed(6), (0.1 - 1.959964 * se).toFixed(6))
  t.equal(difference?.high.toFixed(6), (0.1 + 1.959964 * se).toFixed(6))
  t.equal(difference?.significant, true, '0.1 ± 0.094 leaves out zero')
  t.equal(proportionDifference(11, 100, 10, 100)?.significant, false)
  t.equal(proportionDifference(1, 0, 1, 10), null, 'no requests: no difference')
})

t.test('a difference of two means carries Welch\'s interval from sums and sums of squares', async (t) => {
  const moments = (values: number[]) => ({ n: values.length, sum: values.reduce((a, b) => a + b, 0), squares: values.reduce((a, b) => a + b * b, 0) })
  const arm = [110, 120, 130, 140]
  const control = [100, 100, 100, 104]
  const difference = meanDifference(moments(arm), moments(control))
  // Sample variances: 166.67 and 4.
  const se = Math.sqrt(166.666667 / 4 + 4 / 4)
  t.equal(difference?.difference, 125 - 101)
  t.equal(difference?.low.toFixed(3), (24 - 1.959964 * se).toFixed(3))
  t.equal(difference?.significant, true)
  t.equal(meanDifference(moments([5]), moments(control)), null, 'one sample has no variance')
})

t.test('the assignment hash spreads near values over the whole range', async (t) => {
  const buckets = new Array<number>(10).fill(0)
  for (let index = 0; index < 10_000; index++) (buckets[Math.floor(hash32(`exp\u0000user-${index}`) / 429_496_729.6)] as number)++
  t.ok(buckets.every((count) => count > 900 && count < 1100), `tenths: ${buckets.join(' ')}`)
})
