import { median } from './stats.ts'

// One request's marks in each process it passes through, in microseconds on the monotonic clock that every
// process on the machine shares, so that `npm run bench:phases` can line them up across processes.

/** Noted by `phase-timer.ts` in a serving process; 0 where the request never reached a mark. */
export type ServedMarks = [request: number, upstreamWritten: number, upstreamRead: number, clientWritten: number, free: number]

/** Noted by the load driver: the request sent, its answer's headers in, its body read. */
export type ClientMarks = [sent: number, headers: number, done: number]

export const monotonicUs = (): number => Number(process.hrtime.bigint()) / 1000

/**
 * What a process does once it has written the answer, as medians: the rest of that turn (answer written → the
 * next check phase), and the wait for the next request. The hops before it come from `lineUp`.
 */
export function afterTheAnswer (marks: readonly ServedMarks[]): { after: number, idle: number } {
  const after: number[] = []
  const idle: number[] = []
  marks.forEach((served, index) => {
    if (served[3] !== 0 && served[4] !== 0) after.push(served[4] - served[3])
    const next = marks[index + 1]
    if (next !== undefined && served[4] !== 0) idle.push(next[0] - served[4])
  })
  return { after: median(after), idle: median(idle) }
}

/** The hops of one request through a gateway (or the floor) to the provider and back, each a duration in µs. */
export const HOPS = {
  toGateway: 'client sent → request parsed',
  gatewayIn: 'request parsed → provider written',
  toProvider: 'provider written → provider\'s request parsed',
  provider: 'provider: request parsed → answer written',
  fromProvider: 'answer written → its first bytes read',
  gatewayOut: 'provider answered → client written',
  toClient: 'client written → client has the headers',
  clientBody: 'client: headers → body read'
} as const

export type Hop = keyof typeof HOPS

/**
 * Lines up a segment of c=1 requests: the client's marks, in order, against the gateway's and the provider's
 * marks for requests that arrived while the segment ran. Requests are served one at a time, so the n-th of
 * each is the same request. Returns undefined when the counts differ (a request that was not lined up).
 */
export function lineUp (client: readonly ClientMarks[], gateway: readonly ServedMarks[], provider: readonly ServedMarks[]): Record<Hop, number[]> | undefined {
  if (gateway.length !== client.length || provider.length !== client.length) return undefined
  const hops = Object.fromEntries(Object.keys(HOPS).map((hop) => [hop, [] as number[]])) as Record<Hop, number[]>
  client.forEach(([sent, headers, done], index) => {
    const [request, upstreamWritten, upstreamRead, clientWritten] = gateway[index] as ServedMarks
    const [providerRequest, , , answerWritten] = provider[index] as ServedMarks
    hops.toGateway.push(request - sent)
    hops.gatewayIn.push(upstreamWritten - request)
    hops.toProvider.push(providerRequest - upstreamWritten)
    hops.provider.push(answerWritten - providerRequest)
    hops.fromProvider.push(upstreamRead - answerWritten)
    hops.gatewayOut.push(clientWritten - upstreamRead)
    hops.toClient.push(headers - clientWritten)
    hops.clientBody.push(done - headers)
  })
  return hops
}

/** The marks of requests that arrived between `from` and `to`. */
export const arrivedBetween = (marks: readonly ServedMarks[], from: number, to: number): ServedMarks[] =>
  marks.filter((served) => served[0] >= from && served[0] <= to)
