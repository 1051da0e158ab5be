import { createParser } from 'eventsource-parser'
import { upstreamProtocolError, type GatewayError } from '../canonical/errors.ts'
import type { RelayCapability } from '../provider/relay-capability.ts'
import { fetchUpstreamAnswer, openUpstreamStream, readPushedStream } from './guarded-call.ts'
import type { PushedStream, StreamDecoder } from './pushed-stream.ts'
import type { CallOptions, ProviderTarget } from './types.ts'
import { utf8Chunks } from './utf8-chunks.ts'
import { scrubSecrets, scrubText } from './scrub-secrets.ts'

export type RelayResult =
  | { stream: false, body: string }
  | {
    stream: true
    /** The first whole events, as the provider sent them. */
    first: Buffer | undefined
    rest: PushedStream<Buffer>
    /** Once `rest` is done: the provider's own error event, relayed as it came, when it ended the stream with one. */
    relayedError: () => GatewayError | undefined
  }

export interface RelayRequest {
  /** Below the provider's base URL, as the protocol names it (`/messages`). */
  path: string
  /** The client's body, as parsed; only `model` is replaced. */
  body: Record<string, unknown>
  /** Whether the answer is a stream of events (relayed as they come) or one body. */
  stream: boolean
  /** The client's request headers; those the provider's relay capability names are forwarded, nothing else. */
  clientHeaders: Readonly<Record<string, string | string[] | undefined>>
  /** What the deadline waits for, for its message. */
  waitingFor: string
}

/** The provider's own capability to take requests in an ingress protocol, if it has it. */
export function relayCapability (target: ProviderTarget, protocol: RelayCapability['protocol']): RelayCapability | undefined {
  const relay = target.definition.relay
  return relay?.protocol === protocol ? relay : undefined
}

/**
 * A request in a protocol the provider speaks itself: the body goes out as it came (model rewritten), and the
 * answer comes back as bytes. A stream is relayed whole events at a time, pushed on from the callback that delivers
 * the body's bytes as they arrive and never re-serialised, while the provider's stream reader reads usage and size
 * off a side parser for the metrics. Failures before the first event are ordinary errors, so fallback works as for
 * any attempt.
 */
export async function relay (target: ProviderTarget, capability: RelayCapability, model: string, request: RelayRequest, options: CallOptions): Promise<RelayResult> {
  const headers: Record<string, string> = { ...target.headers }
  for (const name of capability.forwardedHeaders) {
    const value = request.clientHeaders[name]
    const first = Array.isArray(value) ? value[0] : value
    if (first !== undefined) headers[name] = first
  }
  const displayName = target.definition.displayName
  const line = { path: request.path, headers, body: JSON.stringify({ ...request.body, model }), waitingFor: request.waitingFor }

  if (!request.stream) {
    return await fetchUpstreamAnswer(target, options, line, (text) => {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        throw upstreamProtocolError(target.name, `${displayName} answered with a body that is not JSON`)
      }
      const usage = capability.answerUsage(body)
      if (usage !== undefined) options.meter?.usage(usage)
      return { stream: false, body: text }
    })
  }

  const call = await openUpstreamStream(target, options, line)
  const reader = capability.createStreamReader(target.name)
  const meter = options.meter ?? IGNORE
  let ended = false
  let relayedError: GatewayError | undefined
  /** The provider's own error event is in the bytes being relayed: they go through the scrubber first. */
  let errorPending = false
  const tap = createParser({
    onComment: call.eventArrived,
    onEvent: (event) => {
      call.eventArrived()
      const meaning = reader.event(event, meter)
      if (meaning === undefined) return
      ended = true
      if (meaning === 'end') return
      // The provider ended the stream with its own, well-formed error event; it goes to the client as it is.
      errorPending = true
      relayedError = scrubSecrets(meaning, target.secrets)
    }
  })
  // Bytes go out whole events at a time: the tail after the last blank line waits for the rest of its event, so
  // a stream cut off mid-event never leaves half an event in front of the error event that ends it.
  const wholeEvents = (emitBytes: (bytes: Buffer) => void): StreamDecoder => {
    const emit = (bytes: Buffer): void => {
      if (!errorPending) return emitBytes(bytes)
      errorPending = false
      emitBytes(Buffer.from(scrubText(bytes.toString(), target.secrets)))
    }
    const text = utf8Chunks()
    let held: Buffer | undefined
    let sentAny = false
    return {
      data: (chunk) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
        tap.feed(text.decode(bytes))
        const pending = held === undefined ? bytes : Buffer.concat([held, bytes])
        const end = endOfLastEvent(pending)
        held = end === pending.length ? undefined : pending.subarray(end)
        if (end > 0) {
          sentAny = true
          emit(pending.subarray(0, end))
        }
        return false
      },
      end: () => {
        if (!sentAny && (held === undefined || held.length === 0)) throw upstreamProtocolError(target.name, `${displayName} ended the stream before sending anything`)
        if (!ended) throw upstreamProtocolError(target.name, `${displayName} ended the stream before its last event`)
        if (held !== undefined && held.length > 0) {
          // Half an event the parser never finished: it may be an error event's, so it is scrubbed too.
          errorPending = true
          emit(held)
        }
        if (relayedError !== undefined) options.onStreamError?.(relayedError)
      }
    }
  }
  const { first, rest } = await readPushedStream(call, options, wholeEvents)
  return { stream: true, first, rest, relayedError: () => relayedError }
}

const IGNORE = { usage: () => {}, output: () => {} }

/** Where the last complete SSE event in `bytes` ends (after its blank line), or 0. */
function endOfLastEvent (bytes: Buffer): number {
  const lf = bytes.lastIndexOf('\n\n')
  const crlf = bytes.lastIndexOf('\r\n\r\n')
  return Math.max(lf < 0 ? 0 : lf + 2, crlf < 0 ? 0 : crlf + 4)
}
