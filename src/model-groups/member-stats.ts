/**
 * What a group's strategies know of one member: a peak-EWMA of how long it takes (time to first token for streams,
 * the whole answer otherwise), its requests in flight, and its recent soft failures (answers that were HTTP 200 and
 * still no good). Peak-EWMA (as in Finagle and Linkerd) jumps to a slower sample at once and forgets it over
 * `DECAY_MS` (or a few faster answers), so a member that slows down loses traffic at once and one that recovers wins
 * it back as it is retried.
 */
export interface MemberStats {
  readonly inFlight: number
  /**
   * Milliseconds, or 0 before the first sample (an untried member is tried first). It decays with time since the
   * last answer, as Finagle's peak-EWMA does, so that a member nobody has tried for a while is tried again.
   */
  latencyMs: (now: number) => number
  /** Share of soft failures among recent answers (0–1). */
  readonly softFailureRate: number
  /** Set while soft failures are past the threshold that keeps the member out, like an open circuit. */
  softOpenUntil: number
  started: () => void
  /** The attempt is over: its time, whether it failed, and whether the answer was a soft failure. */
  finished: (ms: number, failed: boolean, soft: boolean, now: number) => void
}

const DECAY_MS = 10_000
const MAX_KEEP = 0.5
// A failed attempt counts as this slow, or as twice the member's figure, whichever is more.
const FAILURE_PENALTY_MS = 5_000
const SOFT_WINDOW = 20
const SOFT_MINIMUM = 10
// Soft failures open their own circuit only past this share: higher than a hard failure's.
const SOFT_OPEN_RATIO = 0.5
const SOFT_OPEN_MS = 30_000

export function createMemberStats (): MemberStats {
  let cost = 0
  let lastAt = 0
  let inFlight = 0
  const soft = new Uint8Array(SOFT_WINDOW)
  let softNext = 0
  let softSamples = 0
  let softCount = 0

  const stats: MemberStats = {
    get inFlight () { return inFlight },
    latencyMs: (now) => lastAt === 0 ? 0 : cost * Math.exp(-(now - lastAt) / DECAY_MS),
    get softFailureRate () { return softSamples === 0 ? 0 : softCount / softSamples },
    softOpenUntil: 0,
    started () { inFlight++ },
    finished (ms, failed, isSoft, now) {
      inFlight = Math.max(0, inFlight - 1)
      // A failure, or an answer that was no good, counts as very slow: an answer that is no good is no sooner for
      // being quick, and the strategies that follow latency move away from it.
      const sample = failed || isSoft ? Math.max(FAILURE_PENALTY_MS, 2 * cost) : ms
      const current = stats.latencyMs(now)
      if (sample > current || lastAt === 0) {
        cost = sample
      } else {
        // Decays with time, and at least halfway to each faster answer: a member that was slow and has recovered (or
        // a one-off pause) is trusted again after a few answers, not after DECAY_MS.
        const keep = Math.min(MAX_KEEP, Math.exp(-(now - lastAt) / DECAY_MS))
        cost = current * keep + sample * (1 - keep)
      }
      lastAt = now
      if (softSamples === SOFT_WINDOW) softCount -= soft[softNext] ?? 0
      else softSamples++
      soft[softNext] = isSoft ? 1 : 0
      if (isSoft) softCount++
      softNext = (softNext + 1) % SOFT_WINDOW
      if (softSamples >= SOFT_MINIMUM && softCount / softSamples >= SOFT_OPEN_RATIO) stats.softOpenUntil = now + SOFT_OPEN_MS
    }
  }
  return stats
}
