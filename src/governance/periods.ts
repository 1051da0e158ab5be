import { DAY_MS } from '../store/store.ts'

export interface Period {
  /** Names the period in a counter's key: `2026-12-03`, `2026-12`, or a window's start in ms. */
  label: string
  startMs: number
  endMs: number
}

export function utcDay (now: number): Period {
  const startMs = now - (now % DAY_MS)
  return { label: new Date(startMs).toISOString().slice(0, 10), startMs, endMs: startMs + DAY_MS }
}

export function utcMonth (now: number): Period {
  const date = new Date(now)
  const startMs = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
  return { label: new Date(startMs).toISOString().slice(0, 7), startMs, endMs: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) }
}

/** Fixed windows aligned to the epoch, so that every process agrees on which window a moment is in. */
export function fixedWindow (now: number, windowMs: number): Period {
  const startMs = now - (now % windowMs)
  return { label: String(startMs), startMs, endMs: startMs + windowMs }
}
