export interface Segment {
  /** Per request, nanoseconds: total time, and for streams time to the first body bytes. */
  latencies: number[]
  ttfts: number[]
  wallNs: number
  errors: number
  /** Streams whose body did not end in `[DONE]`. */
  incomplete: number
}

export interface Summary {
  requests: number
  errors: number
  incomplete: number
  /** Milliseconds. */
  p50: number
  p90: number
  p99: number
  ttftP50: number | null
  ttftP99: number | null
  /** Median of the segments' requests per second. */
  rps: number
  cpuPerRequestUs: number | null
}

export function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}

export const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 50)

export function summarize (segments: readonly Segment[], cpuUs: number | null): Summary {
  const latencies = segments.flatMap((segment) => segment.latencies).sort((a, b) => a - b)
  const ttfts = segments.flatMap((segment) => segment.ttfts).sort((a, b) => a - b)
  const requests = latencies.length
  const ms = (ns: number): number => ns / 1e6
  return {
    requests,
    errors: segments.reduce((sum, segment) => sum + segment.errors, 0),
    incomplete: segments.reduce((sum, segment) => sum + segment.incomplete, 0),
    p50: ms(percentile(latencies, 50)),
    p90: ms(percentile(latencies, 90)),
    p99: ms(percentile(latencies, 99)),
    ttftP50: ttfts.length === 0 ? null : ms(percentile(ttfts, 50)),
    ttftP99: ttfts.length === 0 ? null : ms(percentile(ttfts, 99)),
    rps: median(segments.map((segment) => segment.latencies.length / (segment.wallNs / 1e9))),
    cpuPerRequestUs: cpuUs === null || requests === 0 ? null : cpuUs / requests
  }
}
