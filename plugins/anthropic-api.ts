import type { FastifyPluginAsync } from 'fastify'
import { MessagesRequestSchema, CountTokensRequestSchema, type MessagesRequest } from '../src/ingress/anthropic/schema.ts'
import { renderAnthropicError } from '../src/ingress/anthropic/errors.ts'
import { toCanonicalRequest } from '../src/ingress/anthropic/to-canonical.ts'
import { toAnthropicMessage } from '../src/ingress/anthropic/from-canonical.ts'
import { AnthropicStreamEncoding } from '../src/ingress/anthropic/encode-stream.ts'
import { passThrough, type PassThroughResult } from '../src/call/relay.ts'
import { anthropicPromptChars } from '../src/ingress/anthropic/prompt-size.ts'
import { asGatewayError } from '../src/ingress/openai/errors.ts'
import { createIngressErrorHandler } from '../src/reply/error-handler.ts'
import { checkJsonDepth } from '../src/http/json-depth.ts'
import { unauthenticated, type GatewayError } from '../src/canonical/errors.ts'
import { firstHeaderValue } from '../src/http/headers.ts'
import { encodeSseEvent } from '../src/http/sse.ts'
import { fetchUpstreamAnswer } from '../src/call/guarded-call.ts'
import { watchClient } from '../src/call/client-presence.ts'
import { createRequestRecord, formatAttempts } from '../src/observability/request-record.ts'
import { requestCallOptions, type IngressCallSettings } from '../src/call/request-call-options.ts'
import { sendChunkStream } from '../src/reply/send-events.ts'
import type { StreamEncoding } from '../src/ingress/stream-encoding.ts'
import type { ProviderResult } from '../src/call/types.ts'
import type { ChatRequest } from '../src/canonical/chat-request.ts'
import { canonicalCall } from './routing/index.ts'

export interface AnthropicApiOptions extends IngressCallSettings {
  bodyLimitBytes: number
  /** A `ping` event after this much silence in a translated stream. */
  pingAfterMs?: number
}

type Outcome =
  | { native: true, result: PassThroughResult }
  | { native: false, result: ProviderResult }

const PING_AFTER_MS = 10_000
let messageCounter = 0
const newMessageId = (): string => `msg_${Date.now().toString(36)}${(messageCounter++).toString(36).padStart(6, '0')}sy`

/**
 * `/v1/messages` for Anthropic clients. To a provider that speaks the protocol natively the request passes
 * through; to any other it is translated to the canonical request and the answer back into Anthropic's message
 * and event stream. Routing, fallback and metrics are the same as for `/v1/chat/completions`.
 */
const anthropicApi: FastifyPluginAsync<AnthropicApiOptions> = async (app, options) => {
  app.addHook('onRequest', (request, _reply, done) => {
    done(app.clientAuth.isAuthorized(request, { allowXApiKey: true })
      ? undefined
      : unauthenticated('Missing or invalid gateway API key. Send it as `x-api-key: <key>` or `Authorization: Bearer <key>`.'))
  })

  app.addHook('preValidation', (request, _reply, done) => { done(checkJsonDepth(request.body)) })

  app.setErrorHandler(createIngressErrorHandler((error) => JSON.stringify(renderAnthropicError(error)), 4 * options.bodyLimitBytes))

  const routeOptions = { schema: { body: MessagesRequestSchema }, bodyLimit: options.bodyLimitBytes }
  app.post('/messages', routeOptions, async (request, reply) => {
    const body = request.body as MessagesRequest
    const stream = body.stream === true
    const record = createRequestRecord('/v1/messages', stream, body.model, () => anthropicPromptChars(body))
    app.metrics.observe(request, reply, record)
    const plan = app.router.plan(body.model)
    const version = firstHeaderValue(request.headers['anthropic-version'])
    const beta = firstHeaderValue(request.headers['anthropic-beta'])
    let canonical: ChatRequest | undefined
    let executed
    try {
      executed = await app.router.executeWith<Outcome>(plan, requestCallOptions(request, reply, record, options), async (attempt, target, callOptions) => {
        if (target.definition.nativeProtocols?.includes('anthropic-messages') === true) {
          return { native: true, result: await passThrough(target, attempt.model, { body, version, beta }, record, callOptions) }
        }
        canonical ??= toCanonicalRequest(body, attempt.model)
        return { native: false, result: await canonicalCall(canonical, record)(attempt, target, callOptions) }
      })
    } finally {
      if (record.attempts.length > 0) reply.header('x-switchyard-attempts', formatAttempts(record.attempts))
    }
    const { attempt, result: outcome } = executed
    reply.header('x-switchyard-provider', attempt.provider.name).header('x-switchyard-model', attempt.model)

    if (outcome.native) {
      const result = outcome.result
      if (!result.stream) return reply.type('application/json').send(result.body)
      record.firstChunkAt = performance.now()
      return sendChunkStream(reply, result.first, result.rest, relayEncoding(result, (error) => { record.error = error }))
    }
    const result = outcome.result
    if (!result.stream) return reply.type('application/json').send(JSON.stringify(toAnthropicMessage(result.response, attempt.model, newMessageId)))
    record.firstChunkAt = performance.now()
    return sendChunkStream(reply, result.first, result.rest, new AnthropicStreamEncoding({
      messageId: newMessageId(),
      model: attempt.model,
      estimatedInputTokens: Math.ceil(record.promptChars() / 4),
      pingAfterMs: options.pingAfterMs ?? PING_AFTER_MS,
      onEnd: (error) => { if (error !== undefined) record.error = asGatewayError(error) }
    }))
  })

  app.post('/messages/count_tokens', { schema: { body: CountTokensRequestSchema }, bodyLimit: options.bodyLimitBytes }, async (request, reply) => {
    const body = request.body as MessagesRequest
    const attempt = app.router.plan(body.model).attempts[0]
    const target = attempt === undefined ? undefined : app.router.target(attempt.provider.name)
    if (attempt !== undefined && target !== undefined && target.definition.nativeProtocols?.includes('anthropic-messages') === true) {
      const text = await fetchUpstreamAnswer(target, {
        requestId: request.id,
        requestTimeoutMs: options.requestTimeoutMs,
        streamIdleTimeoutMs: options.streamIdleTimeoutMs,
        streamTimeoutMs: options.streamTimeoutMs,
        client: watchClient(reply.raw, undefined, options.inFlight)
      }, {
        path: '/messages/count_tokens',
        headers: withClientVersion(target.headers, firstHeaderValue(request.headers['anthropic-version'])),
        body: JSON.stringify({ ...body, model: attempt.model }),
        waitingFor: 'token count'
      }, (answer) => answer)
      return reply.header('x-switchyard-provider', target.name).type('application/json').send(text)
    }
    // No native counter: about four characters per token, and the response says it is an estimate.
    return reply.header('x-switchyard-token-count', 'estimated').send({ input_tokens: Math.ceil(anthropicPromptChars(body) / 4) })
  })
}

function withClientVersion (headers: Readonly<Record<string, string>>, version: string | undefined): Record<string, string> {
  return version === undefined ? { ...headers } : { ...headers, 'anthropic-version': version }
}

/**
 * The provider's own bytes, as they come; if the provider fails mid-stream, one Anthropic error event ends it. If
 * the provider's own error event ended it, that event has gone out already and only the record learns of it.
 */
function relayEncoding (relay: Extract<PassThroughResult, { stream: true }>, onError: (error: GatewayError) => void): StreamEncoding<Buffer> {
  return {
    chunk: (bytes) => bytes,
    end: () => {
      const relayed = relay.relayedError()
      if (relayed !== undefined) onError(relayed)
      return ''
    },
    fail: (error) => {
      const failure = asGatewayError(error)
      onError(failure)
      return encodeSseEvent(JSON.stringify(renderAnthropicError(failure)), 'error')
    },
    abandon: () => {}
  }
}

export default anthropicApi
