import { createParser } from 'eventsource-parser'
import type { CallOptions, ProviderTarget } from './types.ts'
import { upstreamProtocolError, type GatewayError } from '../canonical/errors.ts'
import { statusOfErrorType } from '../ingress/anthropic/errors.ts'
import { fetchUpstreamAnswer, openUpstreamStream, readPushedStream } from './guarded-call.ts'
import type { RequestRecord } from '../observability/request-record.ts'
import type { PushedStream, StreamDecoder } from './pushed-stream.ts'
import { utf8Chunks } from './utf8-chunks.ts'
import { scrubSecrets, scrubText } from './scrub-secrets.ts'
import { fromAnthropicUsage, type AnthropicWireUsage } from '../ingress/anthropic/usage.ts'

export type PassThroughResult =
  | { stream: false, body: string }
  | {
    stream: true
    /** The first whole events, as the provider sent them. */
    first: Buffer | undefined
    rest: PushedStream<Buffer>
    /** Once `rest` is done: the provider's own error event, relayed as it came, when it ended the stream with one. */
    relayedError: () => GatewayError | undefined
  }

export interface PassThroughRequest {
  /** The client's body, as parsed; only `model` is replaced. */
  body: Record<string, unknown>
  /** The client's `anthropic-version` and `anthropic-beta`, forwarded; the provider's key replaces the client's. */
  version: string | undefined
  beta: string | undefined
}

/**
 * A `/v1/messages` request to a provider that speaks Anthropic's protocol itself: the body goes out as it came
 * (model rewritten), and the answer comes back as bytes. A stream is relayed whole events at a time, pushed on
 * from the callback that delivers the body's bytes as they arrive and never re-serialised; a side parser reads
 * its usage for the metrics. Failures before the first event are ordinary errors, so fallback works as for any
 * attempt.
 */
export async function passThrough (target: ProviderTarget, model: string, request: PassThroughRequest, record: RequestRecord, options: CallOptions): Promise<PassThroughResult> {
  const stream = request.body.stream === true
  const headers: Record<string, string> = { ...target.headers }
  if (request.version !== undefined) headers['anthropic-version'] = request.version
  if (request.beta !== undefined) headers['anthropic-beta'] = request.beta
  const line = {
    path: '/messages',
    headers,
    body: JSON.stringify({ ...request.body, model }),
    waitingFor: stream ? 'first event' : 'complete answer'
  }

  if (!stream) {
    return await fetchUpstreamAnswer(target, options, line, (text) => {
      let usage: AnthropicWireUsage | undefined
      try {
        usage = (JSON.parse(text) as { usage?: AnthropicWireUsage }).usage
      } catch {
        throw upstreamProtocolError(target.name, 'Anthropic answered with a body that is not JSON')
      }
      if (usage !== undefined) record.usage = fromAnthropicUsage(usage)
      return { stream: false, body: text }
    })
  }

  const call = await openUpstreamStream(target, options, line)
  const usage: AnthropicWireUsage = {}
  let stopped = false
  let relayedError: GatewayError | undefined
  /** The provider's own error event is in the bytes being relayed: they go through the scrubber first. */
  let errorPending = false
  const tap = createParser({
    onComment: call.eventArrived,
    onEvent: (event) => {
      call.eventArrived()
      if (event.event === 'message_stop') stopped = true
      let data: {
        type?: string
        message?: { usage?: AnthropicWireUsage }
        usage?: AnthropicWireUsage
        delta?: { text?: string, thinking?: string, partial_json?: string }
        error?: { type?: string }
      }
      try {
        data = JSON.parse(event.data) as typeof data
      } catch {
        return
      }
      if (data.type === 'error') {
        // The provider ended the stream with its own, well-formed error event; it goes to the client as it is.
        stopped = true
        errorPending = true
        relayedError = scrubSecrets(target.definition.parseUpstreamError(statusOfErrorType(data.error?.type), data, undefined), target.secrets)
        return
      }
      if (data.type === 'content_block_delta') {
        record.outputChars += (data.delta?.text ?? data.delta?.thinking ?? data.delta?.partial_json ?? '').length
        return
      }
      // Usage is cumulative: message_start gives the input side; message_delta the output, and may restate input.
      const reported = data.type === 'message_start' ? data.message?.usage : data.type === 'message_delta' ? data.usage : undefined
      if (reported === undefined) return
      for (const [key, value] of Object.entries(reported)) if (value != null) Object.assign(usage, { [key]: value })
      record.usage = fromAnthropicUsage(usage)
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
        if (!sentAny && (held === undefined || held.length === 0)) throw upstreamProtocolError(target.name, 'Anthropic ended the stream before sending anything')
        if (!stopped) throw upstreamProtocolError(target.name, 'Anthropic ended the stream before message_stop')
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

/** Where the last complete SSE event in `bytes` ends (after its blank line), or 0. */
function endOfLastEvent (bytes: Buffer): number {
  const lf = bytes.lastIndexOf('\n\n')
  const crlf = bytes.lastIndexOf('\r\n\r\n')
  return Math.max(lf < 0 ? 0 : lf + 2, crlf < 0 ? 0 : crlf + 4)
}
