import { randomUUID } from 'node:crypto'
import type { ChatRequest } from '../canonical/chat-request.ts'
import type { CallContext } from '../provider/contract.ts'
import { GatewayError, upstreamProtocolError } from '../canonical/errors.ts'
import { MAX_JSON_DEPTH, findTooDeep } from '../http/json-depth.ts'
import { fetchUpstreamAnswer, openUpstreamStream, readPushedStream } from './guarded-call.ts'
import type { CallOptions, ProviderResult, ProviderTarget, UpstreamRequestLine } from './types.ts'
import { translatedEvents } from './translated-stream.ts'
import { meterChunk } from './meter-chunk.ts'

let idCounter = 0

// Shared by every context: a context is made per attempt, and these need no per-call state.
const unixNow = (): number => Math.floor(Date.now() / 1000)
const newId = (prefix: string): string =>
  `${prefix}${randomUUID().replace(/-/g, '').slice(0, 20)}${(idCounter++ % 1296).toString(36).padStart(2, '0')}`

const ignore = (): void => {}

export function createCallContext (
  provider: string,
  model: string,
  requestId: string,
  stream: boolean,
  notice: CallContext['notice'] = ignore
): CallContext {
  return { provider, model, requestId, stream, now: unixNow, newId, notice }
}

/**
 * The provider's request, translated and serialised. Whatever fails here is about the client's request, not the
 * provider, which has not been called: a translator's own refusal passes as it is, anything else becomes a 400,
 * so that it can never count against the provider's health.
 */
function buildRequestLine (target: ProviderTarget, request: ChatRequest, ctx: CallContext): UpstreamRequestLine {
  try {
    const upstreamRequest = target.definition.toUpstreamRequest(request, ctx)
    return {
      path: upstreamRequest.path,
      headers: target.headers as Record<string, string>,
      body: JSON.stringify(upstreamRequest.body),
      waitingFor: ctx.stream ? 'first chunk' : 'complete answer'
    }
  } catch (error) {
    if (error instanceof GatewayError) throw error
    ctx.notice('a request could not be translated', { err: error })
    throw new GatewayError('invalid_request', 400, `The gateway could not translate this request for ${target.name}.`, { code: 'untranslatable_request', cause: error })
  }
}

/**
 * Sends one canonical request to one provider. Resolves once the provider has answered (non-streaming) or
 * produced its first chunk (streaming), so that every failure before the first byte reaches the client is
 * still an ordinary error the caller can render or retry. After that, the returned generator owns the call:
 * exhausting, breaking out of or failing it releases the upstream socket.
 */
export async function callProvider (target: ProviderTarget, request: ChatRequest, options: CallOptions): Promise<ProviderResult> {
  const stream = request.stream === true
  const log = options.log
  const ctx = createCallContext(target.name, request.model, options.requestId, stream,
    log === undefined ? undefined : (message, fields) => { log.warn({ provider: target.name, model: request.model, ...fields }, message) })
  const line = buildRequestLine(target, request, ctx)

  if (!stream) {
    return await fetchUpstreamAnswer(target, options, line, (text) => {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        throw upstreamProtocolError(target.name, 'the provider answered with a body that is not JSON')
      }
      const tooDeep = findTooDeep(body)
      if (tooDeep !== undefined) throw upstreamProtocolError(target.name, `the provider's answer nests deeper than ${MAX_JSON_DEPTH} levels (at '${tooDeep}')`)
      try {
        const response = target.definition.fromUpstreamResponse(body, ctx)
        if (response.usage !== undefined) options.meter?.usage(response.usage)
        return { stream: false, response }
      } catch (error) {
        if (error instanceof GatewayError) throw error
        ctx.notice('an answer could not be translated', { err: error })
        throw upstreamProtocolError(target.name, 'the provider\'s answer could not be translated')
      }
    })
  }

  const call = await openUpstreamStream(target, options, line)
  const meter = options.meter
  const { first, rest } = await readPushedStream(call, options, translatedEvents(target.definition.createStreamTranslator, ctx, call.eventArrived),
    meter === undefined ? undefined : (chunk) => { meterChunk(meter, chunk) })
  if (meter !== undefined && first !== undefined) meterChunk(meter, first)
  return { stream: true, first, rest }
}
