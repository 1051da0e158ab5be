import t from 'tap'
import { fixedWindow, utcDay, utcMonth } from './periods.ts'

t.test('days and months in UTC, with their ends, however the calls jump about in time', async (t) => {
  const at = Date.UTC(2026, 11, 31, 23, 59, 59, 999)
  t.same(utcDay(at), { label: '2026-12-31', startMs: Date.UTC(2026, 11, 31), endMs: Date.UTC(2027, 0, 1) })
  t.same(utcMonth(at), { label: '2026-12', startMs: Date.UTC(2026, 11, 1), endMs: Date.UTC(2027, 0, 1) })
  t.same(utcDay(at + 1), { label: '2027-01-01', startMs: Date.UTC(2027, 0, 1), endMs: Date.UTC(2027, 0, 2) }, 'the next millisecond is the next day')
  t.same(utcMonth(at + 1).label, '2027-01')
  t.same(utcDay(at).label, '2026-12-31', 'and back again')
  t.same(utcMonth(Date.UTC(2028, 1, 29, 12)), { label: '2028-02', startMs: Date.UTC(2028, 1, 1), endMs: Date.UTC(2028, 2, 1) })
  t.same(fixedWindow(12_345, 10_000), { label: '10000', startMs: 10_000, endMs: 20_000 })
})
