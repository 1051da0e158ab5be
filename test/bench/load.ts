import { Pool } from 'undici'
import type { ClientMarks } from './request-timeline.ts'
import type { Segment } from './stats.ts'

export type { Segment } from './stats.ts'

// The load driver: undici pools, one request per connection at a time, each timed with process.hrtime.bigint()
// (autocannon rounds to whole milliseconds, and the differences measured here are fractions of one).

export interface Target {
  name: string
  origin: string
  path: string
  headers: Record<string, string>
  /** The gateway's (or floor's, or peer's) process, for CPU and memory; absent for direct calls. */
  pid?: number
  /** The process is a cluster primary: its workers' CPU counts too. */
  withChildren?: boolean
  /** A body of its own instead of the scenario's (a different protocol to the same process). */
  body?: string
}

const pools = new Map<string, Pool>()

function poolFor (target: Target): Pool {
  let pool = pools.get(target.origin)
  if (pool === undefined) {
    // A request that hangs counts as an error after 30 s instead of holding the whole run up.
    pool = new Pool(target.origin, { connections: 512, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000 })
    pools.set(target.origin, pool)
  }
  return pool
}

export async function closePools (): Promise<void> {
  await Promise.all([...pools.values()].map((pool) => pool.close()))
  pools.clear()
}

const microseconds = (ns: bigint): number => Number(ns) / 1000

/** Sends `total` requests, `concurrency` at a time. `marks`, when given, gets each answered request's client marks. */
export async function drive (target: Target, body: string, concurrency: number, total: number, stream: boolean, marks?: ClientMarks[]): Promise<Segment> {
  const pool = poolFor(target)
  const segment: Segment = { latencies: [], ttfts: [], wallNs: 0, errors: 0, incomplete: 0 }
  let started = 0
  const headers = { 'content-type': 'application/json', ...target.headers }
  const payload = target.body ?? body
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++
      const begin = process.hrtime.bigint()
      try {
        const response = await pool.request({ method: 'POST', path: target.path, headers, body: payload })
        const headersAt = marks === undefined ? 0n : process.hrtime.bigint()
        if (!stream) {
          await response.body.text()
        } else {
          let first = true
          let tail = ''
          for await (const chunk of response.body) {
            if (first) {
              segment.ttfts.push(Number(process.hrtime.bigint() - begin))
              first = false
            }
            tail = (tail + String(chunk)).slice(-32)
          }
          if (!tail.includes('[DONE]')) segment.incomplete++
        }
        if (response.statusCode !== 200) segment.errors++
        const end = process.hrtime.bigint()
        segment.latencies.push(Number(end - begin))
        marks?.push([microseconds(begin), microseconds(headersAt), microseconds(end)])
      } catch {
        segment.errors++
      }
    }
  }
  const wallStart = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, worker))
  segment.wallNs = Number(process.hrtime.bigint() - wallStart)
  return segment
}
