import t from 'tap'
import { HOUR_MS, segmentsOf } from './rollup.ts'
import { DAY_MS, MINUTE_MS } from './store.ts'

const D = Date.UTC(2026, 10, 1)

t.test('a range is cut into minutes, hours, whole days, hours and minutes, end to end', async (t) => {
  const since = D + 22 * HOUR_MS + 30 * MINUTE_MS
  const until = D + 3 * DAY_MS + 2 * HOUR_MS + 15 * MINUTE_MS
  t.same(segmentsOf(since, until), [
    { table: 'rollups_minute', from: since, to: D + 23 * HOUR_MS },
    { table: 'rollups_hour', from: D + 23 * HOUR_MS, to: D + DAY_MS },
    { table: 'rollups_day', from: D + DAY_MS, to: D + 3 * DAY_MS },
    { table: 'rollups_hour', from: D + 3 * DAY_MS, to: D + 3 * DAY_MS + 2 * HOUR_MS },
    { table: 'rollups_minute', from: D + 3 * DAY_MS + 2 * HOUR_MS, to: until }
  ])
})

t.test('short ranges stay in minutes; aligned ranges need no edges; segments always tile the range', async (t) => {
  t.same(segmentsOf(D + 5 * MINUTE_MS, D + 20 * MINUTE_MS), [{ table: 'rollups_minute', from: D + 5 * MINUTE_MS, to: D + 20 * MINUTE_MS }])
  t.same(segmentsOf(D, D + 30 * DAY_MS), [{ table: 'rollups_day', from: D, to: D + 30 * DAY_MS }])
  t.same(segmentsOf(D + HOUR_MS, D + 5 * HOUR_MS), [{ table: 'rollups_hour', from: D + HOUR_MS, to: D + 5 * HOUR_MS }])
  for (let round = 0; round < 500; round++) {
    const since = D + Math.floor(Math.random() * 40 * DAY_MS)
    const until = since + Math.floor(Math.random() * 40 * DAY_MS)
    const segments = segmentsOf(since, until)
    let at = since - (since % MINUTE_MS)
    for (const segment of segments) {
      if (segment.from !== at || segment.to <= segment.from) t.fail(`gap or overlap at ${at} in ${JSON.stringify(segments)}`)
      const period = segment.table === 'rollups_day' ? DAY_MS : segment.table === 'rollups_hour' ? HOUR_MS : MINUTE_MS
      if (segment.from % period !== 0 || (segment.table !== 'rollups_minute' && segment.to % period !== 0)) t.fail(`misaligned ${JSON.stringify(segment)}`)
      at = segment.to
    }
    if (at !== until && !(since - (since % MINUTE_MS) >= until)) t.fail(`ends at ${at}, not ${until}`)
  }
  t.pass('500 random ranges tiled without gap or overlap')
})
