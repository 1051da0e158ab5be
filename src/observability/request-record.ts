import type { Usage } from '../canonical/usage.ts'
import type { GatewayError } from '../canonical/errors.ts'
import type { UsageMeter } from '../provider/relay-capability.ts'
import type { SoftFailure, StreamedToolCall } from './soft-failure.ts'
import type { QueueRefusal } from '../store/store.ts'

/** One provider attempt, as the `x-switchyard-attempts` header, the logs and the metrics see it. */
export interface AttemptRecord {
  provider: string
  model: string
  /** The provider's HTTP status, or the gateway's for network errors and timeouts; 200 once a stream has begun. */
  status: number
  success: boolean
  /** `performance.now()` when the attempt began. */
  startedAt: number
  /** Until the provider answered (or failed); the metrics extend the answering attempt to the end of its stream. */
  latencyMs: number
  errorMessage?: string
}

/**
 * What one client request did, filled in by the ingress and the router as it goes and read by the metrics once
 * the response is over. Holds no text from the prompt or the completion: only sizes and counts.
 */
export interface RequestRecord {
  readonly endpoint: string
  readonly stream: boolean
  readonly requestedModel: string
  /** `performance.now()` and epoch ms at the start. */
  readonly startedAt: number
  readonly startedAtEpochMs: number
  readonly attempts: AttemptRecord[]
  /** Usage the provider reported (the last one seen on a stream). */
  usage?: Usage
  /** Characters of content, reasoning and tool arguments the client was sent: the basis of an estimate. */
  outputChars: number
  /** Rough size of the prompt in characters, for an estimate when the provider reports no usage. */
  promptChars: () => number
  /** `performance.now()` when the last chunk with output was metered, and the longest wait between two such chunks. */
  lastOutputAt?: number
  longestGapMs: number
  /** A stream's tool calls by index, their arguments joined, for the soft-failure check (bounded, see meterOf). */
  toolCalls?: Map<number, StreamedToolCall>
  /** `performance.now()` when the first chunk of a stream was ready for the client. */
  firstChunkAt?: number
  /** The client's `max_tokens`, counted against token limits until the usage is known. */
  maxOutputTokens?: number
  /** How long the request waited in the rate-limit queue; set once a provider with limits admitted or refused it. */
  queuedMs?: number
  /**
   * The admission queue turned the request away: why, and the provider and model it asked for first, since no
   * attempt names them.
   */
  queueRefused?: { provider: string, model: string, reason: QueueRefusal }
  /** The answer was HTTP 200 and still no good (soft-failure.ts): routing information, the answer is sent as it is. */
  softFailure?: SoftFailure
  /** Attempts passed over without a call, and why: in cooldown, or circuit open. */
  skipped?: string[]
  /** The failure the client saw: an error response, or the error event that ended a stream. */
  error?: GatewayError
}

export function createRequestRecord (endpoint: string, stream: boolean, requestedModel: string, promptChars: () => number): RequestRecord {
  return {
    endpoint,
    stream,
    requestedModel,
    startedAt: performance.now(),
    startedAtEpochMs: Date.now(),
    attempts: [],
    outputChars: 0,
    longestGapMs: 0,
    promptChars
  }
}

/** The attempt that answered, if any: the last successful one. */
export function answeringAttempt (record: RequestRecord): AttemptRecord | undefined {
  const last = record.attempts[record.attempts.length - 1]
  return last?.success === true ? last : undefined
}

/** The `x-switchyard-attempts` header: `gemini:503,groq:200` (contract §3). */
export function formatAttempts (attempts: readonly AttemptRecord[]): string {
  return attempts.map((attempt) => `${attempt.provider}:${attempt.status}`).join(',')
}

/** Where a call reports usage and output size: straight into the record, which the metrics read at the end. */
export function meterOf (record: RequestRecord): UsageMeter {
  return {
    usage: (usage) => { record.usage = usage },
    output: (chars) => {
      record.outputChars += chars
      const now = performance.now()
      if (record.lastOutputAt !== undefined && now - record.lastOutputAt > record.longestGapMs) record.longestGapMs = now - record.lastOutputAt
      record.lastOutputAt = now
    },
    toolCall: (index, name, fragment) => {
      const calls = record.toolCalls ??= new Map()
      let call = calls.get(index)
      if (call === undefined) {
        // A hostile upstream could number calls without end: past the first few, they are not kept to check.
        if (calls.size >= MAX_CHECKED_TOOL_CALLS) return
        call = { name: '', arguments: '', overflow: false }
        calls.set(index, call)
      }
      if (name !== undefined && name !== '') call.name = name
      if (call.overflow) return
      if (call.arguments.length + fragment.length > MAX_CHECKED_ARGUMENT_CHARS) {
        call.overflow = true
        call.arguments = ''
      } else {
        call.arguments += fragment
      }
    }
  }
}

// What a stream's tool calls may hold for the soft-failure check; beyond it, a call is not judged.
const MAX_CHECKED_TOOL_CALLS = 64
const MAX_CHECKED_ARGUMENT_CHARS = 256 * 1024
