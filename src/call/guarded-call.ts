import { GatewayError, clientClosed, upstreamTimeout } from '../canonical/errors.ts'
import { parseErrorText, parseRetryAfter, toGatewayError, type UpstreamText } from './upstream-client.ts'
import type { CallOptions, OpenUpstreamStream, ProviderTarget, UpstreamRequestLine } from './types.ts'
import { scrubSecrets } from './scrub-secrets.ts'
import { CallAbort } from './call-abort.ts'
import { PushedStream, type StreamDecoder } from './pushed-stream.ts'

/** What every provider call has around it: one abort for the client leaving or a deadline passing. */
interface CallGuard {
  controller: CallAbort
  timeOut: (message: string) => void
  /** Until the whole answer (a call) or the first event (a stream). */
  deadline: NodeJS.Timeout
  stopWatching: () => void
  failure: (error: unknown) => GatewayError
}

function guardCall (target: ProviderTarget, options: CallOptions, waitingFor: string): CallGuard {
  if (options.client.gone) throw clientClosed()
  if (options.client.endedBy !== undefined) throw options.client.endedBy
  const controller = new CallAbort()
  const timeOut = (message: string): void => { controller.abort(upstreamTimeout(target.name, message)) }
  return {
    controller,
    timeOut,
    deadline: setTimeout(timeOut, options.requestTimeoutMs, `no ${waitingFor} within ${options.requestTimeoutMs} ms`),
    stopWatching: options.client.onGone((reason) => { controller.abort(reason) }),
    failure: (error) => scrubSecrets(toGatewayError(error, target.name, controller.reason), target.secrets)
  }
}

/** A provider that compressed its answer although the gateway asked for `identity`: its bytes cannot be read. */
function checkEncoding (target: ProviderTarget, headers: UpstreamText['headers']): void {
  const encoding = headers['content-encoding']
  if (encoding === undefined || encoding === 'identity') return
  throw new GatewayError('upstream_error', 502, `${target.name}: the provider answered with content-encoding '${String(encoding)}', ` +
    'which the gateway did not ask for (it sends accept-encoding: identity)', { provider: target.name, code: 'unsupported_encoding' })
}

/** An answer of 400 or more as the provider plugin reads it: its error body, with retry-after kept. */
function providerError (target: ProviderTarget, answer: UpstreamText): GatewayError {
  return target.definition.parseUpstreamError(answer.statusCode, parseErrorText(answer.text), parseRetryAfter(answer.headers))
}

/**
 * One provider call whose whole answer is wanted at once, aborted when the client leaves or the deadline passes,
 * and failed with the provider's own error (parsed, retry-after kept) when it answers 400 or more. `read` turns
 * the answer's text into the caller's result. Whatever the call or `read` throws comes out as a GatewayError
 * with keys scrubbed, and the call is over when this settles.
 */
export async function fetchUpstreamAnswer<T> (target: ProviderTarget, options: CallOptions, request: UpstreamRequestLine, read: (text: string) => T): Promise<T> {
  const guard = guardCall(target, options, request.waitingFor)
  try {
    const answer = await target.upstream.fetchText({
      path: request.path,
      ...(request.method === undefined ? {} : { method: request.method }),
      ...(request.fromOrigin === undefined ? {} : { fromOrigin: request.fromOrigin }),
      headers: request.headers,
      body: request.body,
      signal: guard.controller,
      headersTimeoutMs: options.requestTimeoutMs,
      bodyTimeoutMs: options.requestTimeoutMs
    })
    options.onUpstreamHeaders?.(answer.statusCode, answer.headers)
    if (answer.statusCode >= 400) throw providerError(target, answer)
    checkEncoding(target, answer.headers)
    return read(answer.text)
  } catch (error) {
    throw guard.failure(error)
  } finally {
    clearTimeout(guard.deadline)
    guard.stopWatching()
  }
}

/**
 * Opens one streamed provider call, guarded like `fetchUpstreamAnswer`, and resolves once the provider's headers
 * are in; its body is then read as it comes. Failures before an answer are thrown, already released.
 */
export async function openUpstreamStream (target: ProviderTarget, options: CallOptions, request: UpstreamRequestLine): Promise<OpenUpstreamStream> {
  const { controller, timeOut, deadline, stopWatching, failure } = guardCall(target, options, request.waitingFor)
  let idle: NodeJS.Timeout | undefined
  let idleHeld = false
  const total = setTimeout(timeOut, options.streamTimeoutMs, `the stream ran past ${options.streamTimeoutMs} ms in all`)
  const release = (): void => {
    clearTimeout(deadline)
    clearTimeout(idle)
    clearTimeout(total)
    stopWatching()
  }

  try {
    const answer = await target.upstream.openStream({
      path: request.path,
      headers: request.headers,
      body: request.body,
      signal: controller,
      headersTimeoutMs: options.requestTimeoutMs,
      // A stream's silences are timed between events (below), which undici's byte-level timeout cannot do.
      bodyTimeoutMs: 0
    })
    options.onUpstreamHeaders?.(answer.statusCode, answer.headers)
    if ('text' in answer) throw providerError(target, answer)
    checkEncoding(target, answer.headers)
    return {
      body: answer.body,
      streamStarted: () => {
        clearTimeout(deadline)
        const message = `the provider sent no event for ${options.streamIdleTimeoutMs} ms`
        // While the gateway holds the provider back for a slow client, the provider's silence is not its own.
        idle = setTimeout(() => { if (!idleHeld) timeOut(message) }, options.streamIdleTimeoutMs)
      },
      eventArrived: () => { idle?.refresh() },
      holdIdle: (held) => {
        idleHeld = held
        if (!held) idle?.refresh()
      },
      release,
      failure
    }
  } catch (error) {
    release()
    throw failure(error)
  }
}

/**
 * Reads an open call's streamed answer through `makeDecoder` until its first chunk, so that every failure before
 * it is still an ordinary error the caller can retry (thrown, with the call let go). After that the stream owns the
 * call: it reports a failure to `options.onStreamError`, and releases the call once it is over, however it ends.
 */
export async function readPushedStream<T> (
  call: OpenUpstreamStream,
  options: CallOptions,
  makeDecoder: (emit: (chunk: T) => void) => StreamDecoder,
  onChunk?: (chunk: T) => void
): Promise<{ first: T | undefined, rest: PushedStream<T> }> {
  const body = call.body
  const rest = new PushedStream<T>(body, makeDecoder, {
    onChunk,
    fail: (error) => {
      const failed = call.failure(error)
      options.onStreamError?.(failed)
      return failed
    },
    onHold: call.holdIdle,
    finish: () => {
      call.release()
      body.close()
    }
  })
  let first: T | undefined
  try {
    first = await rest.first()
  } catch (error) {
    call.release()
    body.close()
    throw call.failure(error)
  }
  call.streamStarted()
  return { first, rest }
}
