import { DAY_MS } from '../store/store.ts'

export interface Period {
  /** Names the period in a counter's key: `2026-12-03`, `2026-12`, or a window's start in ms. */
  label: string
  startMs: number
  endMs: number
}

// A day or a month is asked for on every governed request and changes once a day: kept until it ends, because
// naming it (toISOString) cost more than the rest of the admission in a profile.
let day: Period = { label: '', startMs: 0, endMs: 0 }
let month: Period = { label: '', startMs: 0, endMs: 0 }

export function utcDay (now: number): Period {
  if (now >= day.startMs && now < day.endMs) return day
  const startMs = now - (now % DAY_MS)
  day = { label: new Date(startMs).toISOString().slice(0, 10), startMs, endMs: startMs + DAY_MS }
  return day
}

export function utcMonth (now: number): Period {
  if (now >= month.startMs && now < month.endMs) return month
  const date = new Date(now)
  const startMs = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
  month = { label: new Date(startMs).toISOString().slice(0, 7), startMs, endMs: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) }
  return month
}

/** Fixed windows aligned to the epoch, so that every process agrees on which window a moment is in. */
export function fixedWindow (now: number, windowMs: number): Period {
  const startMs = now - (now % windowMs)
  return { label: String(startMs), startMs, endMs: startMs + windowMs }
}
