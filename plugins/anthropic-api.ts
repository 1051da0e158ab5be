import { setRouteHeaders } from '../src/reply/route-headers.ts'
import type { FastifyPluginAsync } from 'fastify'
import { softFailureOf, softFailureOfStream, toolSchemasOf } from '../src/observability/soft-failure.ts'
import { MessagesRequestSchema, CountTokensRequestSchema, type MessagesRequest } from '../src/ingress/anthropic/schema.ts'
import { renderAnthropicError } from '../src/ingress/anthropic/errors.ts'
import { toCanonicalRequest } from '../src/ingress/anthropic/to-canonical.ts'
import { toAnthropicMessage } from '../src/ingress/anthropic/from-canonical.ts'
import { AnthropicStreamEncoding } from '../src/ingress/anthropic/encode-stream.ts'
import { relay, relayCapability, type RelayResult } from '../src/call/relay.ts'
import { anthropicPromptChars } from '../src/ingress/anthropic/prompt-size.ts'
import { asGatewayError } from '../src/ingress/openai/errors.ts'
import { anthropicErrorHandler } from '../src/reply/error-handler.ts'
import { COUNT, GENERATE } from '../src/ingress/model-route.ts'
import { checkJsonDepth } from '../src/http/json-depth.ts'
import { unauthenticated, type GatewayError } from '../src/canonical/errors.ts'
import { encodeSseEvent } from '../src/http/sse.ts'
import { createRequestRecord } from '../src/observability/request-record.ts'
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
  | { native: true, result: RelayResult }
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
    const refusal = app.clientAuth.refusal(request, { allowXApiKey: true })
    done(refusal === undefined ? undefined : unauthenticated(`${refusal} Send it as \`x-api-key: <key>\` or \`Authorization: Bearer <key>\`.`))
  })

  app.addHook('preValidation', (request, _reply, done) => { done(checkJsonDepth(request.body)) })

  app.setErrorHandler(anthropicErrorHandler(4 * options.bodyLimitBytes))

  const routeOptions = { schema: { body: MessagesRequestSchema }, bodyLimit: options.bodyLimitBytes, config: GENERATE }
  app.post('/messages', routeOptions, async (request, reply) => {
    const body = request.body as MessagesRequest
    const stream = body.stream === true
    const record = createRequestRecord('/v1/messages', stream, body.model, () => anthropicPromptChars(body))
    record.maxOutputTokens = body.max_tokens
    app.metrics.observe(request, reply, record)
    const plan = app.router.planFor(request, body.model)
    let canonical: ChatRequest | undefined
    let executed
    try {
      executed = await app.router.executeWith<Outcome>(plan, requestCallOptions(request, reply, record, options), async (attempt, target, callOptions) => {
        const native = relayCapability(target, 'anthropic-messages')
        if (native !== undefined) {
          const relayed = { path: '/messages', body, stream, clientHeaders: request.headers, waitingFor: stream ? 'first event' : 'complete answer' }
          return { native: true, result: await relay(target, native, attempt.model, relayed, callOptions) }
        }
        canonical ??= toCanonicalRequest(body, attempt.model)
        return { native: false, result: await canonicalCall(canonical)(attempt, target, callOptions) }
      })
    } finally {
      setRouteHeaders(reply, record, plan)
    }
    const { attempt, result: outcome } = executed
    reply.header('x-switchyard-provider', attempt.provider.name).header('x-switchyard-model', attempt.model)

    if (outcome.native) {
      const result = outcome.result
      if (!result.stream) return reply.type('application/json').send(result.body)
      record.firstChunkAt = performance.now()
      return sendChunkStream(reply, result.first, result.rest, relayEncoding(result, (error) => {
        if (error === undefined) record.softFailure = softFailureOfStream(record, toolSchemasOf(body.tools), plan.stallMs)
        else record.error = error
      }))
    }
    const result = outcome.result
    if (!result.stream) {
      const soft = softFailureOf(result.response, toolSchemasOf(body.tools))
      if (soft !== undefined) record.softFailure = soft
      return reply.type('application/json').send(JSON.stringify(toAnthropicMessage(result.response, attempt.model, newMessageId)))
    }
    record.firstChunkAt = performance.now()
    return sendChunkStream(reply, result.first, result.rest, new AnthropicStreamEncoding({
      messageId: newMessageId(),
      model: attempt.model,
      estimatedInputTokens: Math.ceil(record.promptChars() / 4),
      pingAfterMs: options.pingAfterMs ?? PING_AFTER_MS,
      onEnd: (error) => {
        if (error !== undefined) record.error = asGatewayError(error)
        else record.softFailure = softFailureOfStream(record, toolSchemasOf(body.tools), plan.stallMs)
      }
    }))
  })

  app.post('/messages/count_tokens', { schema: { body: CountTokensRequestSchema }, bodyLimit: options.bodyLimitBytes, config: COUNT }, async (request, reply) => {
    const body = request.body as MessagesRequest
    // Counted by the first provider in the plan that can count natively; without one, about four characters per
    // token, and the response says it is an estimate. Not a model call: the record is not the metrics'.
    const record = createRequestRecord('/v1/messages/count_tokens', false, body.model, () => 0)
    record.maxOutputTokens = 0
    const { attempt, result } = await app.router.executeWith<string | undefined>(app.router.plan(body.model), requestCallOptions(request, reply, record, options), async (attempt, target, callOptions) => {
      const native = relayCapability(target, 'anthropic-messages')
      if (native === undefined) return undefined
      const counted = await relay(target, native, attempt.model, { path: '/messages/count_tokens', body, stream: false, clientHeaders: request.headers, waitingFor: 'token count' }, callOptions)
      return counted.stream ? undefined : counted.body
    })
    if (result !== undefined) return reply.header('x-switchyard-provider', attempt.provider.name).type('application/json').send(result)
    return reply.header('x-switchyard-token-count', 'estimated').send({ input_tokens: Math.ceil(anthropicPromptChars(body) / 4) })
  })
}

/**
 * The provider's own bytes, as they come; if the provider fails mid-stream, one Anthropic error event ends it. If
 * the provider's own error event ended it, that event has gone out already and only the record learns of it.
 * `onEnd` is told how it ended: undefined when it ended well.
 */
function relayEncoding (relayed: Extract<RelayResult, { stream: true }>, onEnd: (error: GatewayError | undefined) => void): StreamEncoding<Buffer> {
  return {
    chunk: (bytes) => bytes,
    end: () => {
      onEnd(relayed.relayedError())
      return ''
    },
    fail: (error) => {
      const failure = asGatewayError(error)
      onEnd(failure)
      return encodeSseEvent(JSON.stringify(renderAnthropicError(failure)), 'error')
    },
    abandon: () => {}
  }
}

export default anthropicApi
