import { setRouteHeaders } from '../src/reply/route-headers.ts'
import type { FastifyPluginAsync } from 'fastify'
import { softFailureOf, softFailureOfStream, toolSchemasOf } from '../src/observability/soft-failure.ts'
import { ChatRequestSchema, type ChatRequest } from '../src/canonical/chat-request.ts'
import { OpenAIStreamEncoding } from '../src/ingress/openai/encode-stream.ts'
import { asGatewayError } from '../src/ingress/openai/errors.ts'
import { openAIErrorHandler } from '../src/reply/error-handler.ts'
import { GENERATE } from '../src/ingress/model-route.ts'
import { checkJsonDepth } from '../src/http/json-depth.ts'
import { unauthenticated } from '../src/canonical/errors.ts'
import { costOf } from '../src/provider/pricing.ts'
import { createRequestRecord } from '../src/observability/request-record.ts'
import { promptChars } from '../src/observability/prompt-size.ts'
import { requestCallOptions, type IngressCallSettings } from '../src/call/request-call-options.ts'
import { sendChunkStream } from '../src/reply/send-events.ts'

export interface OpenAIApiOptions extends IngressCallSettings {
  bodyLimitBytes: number
}

/** `/v1/chat/completions` in OpenAI's protocol, errors included (`/v1/models` is plugins/models-api.ts). Encapsulated: its hooks stay here. */
const openaiApi: FastifyPluginAsync<OpenAIApiOptions> = async (app, options) => {
  // Callback-style hooks: an async one costs a promise per request on the hot path.
  app.addHook('onRequest', (request, _reply, done) => {
    const refusal = app.clientAuth.refusal(request)
    done(refusal === undefined ? undefined : unauthenticated(`${refusal} Send it as \`Authorization: Bearer <key>\`.`))
  })

  app.addHook('preValidation', (request, _reply, done) => { done(checkJsonDepth(request.body)) })

  app.setErrorHandler(openAIErrorHandler(4 * options.bodyLimitBytes))

  app.post('/chat/completions', { schema: { body: ChatRequestSchema }, bodyLimit: options.bodyLimitBytes, config: GENERATE }, async (request, reply) => {
    const body = request.body as ChatRequest
    const record = createRequestRecord('/v1/chat/completions', body.stream === true, body.model, () => promptChars(body))
    const maxTokens = body.max_completion_tokens ?? body.max_tokens
    if (typeof maxTokens === 'number') record.maxOutputTokens = maxTokens
    app.metrics.observe(request, reply, record)
    const plan = app.router.planFor(request, body.model)
    let executed
    try {
      executed = await app.router.execute(plan, body, requestCallOptions(request, reply, record, options))
    } finally {
      setRouteHeaders(reply, record, plan)
    }
    const { attempt, result } = executed
    const target = attempt.provider
    reply.header('x-switchyard-provider', target.name).header('x-switchyard-model', attempt.model)

    if (!result.stream) {
      const usage = result.response.usage
      const priced = target.prices.priceOf(attempt.model)
      if (usage !== undefined && priced !== undefined) reply.header('x-switchyard-cost-usd', costOf(usage, priced.price).toFixed(9))
      const soft = softFailureOf(result.response, toolSchemasOf(body.tools))
      if (soft !== undefined) record.softFailure = soft
      return reply.type('application/json').send(JSON.stringify(result.response))
    }

    record.firstChunkAt = performance.now()
    const includeUsage = body.stream_options?.include_usage === true
    const encoding = new OpenAIStreamEncoding({
      includeUsage,
      onEnd: ({ error }) => {
        if (error === undefined) {
          const soft = softFailureOfStream(record, toolSchemasOf(body.tools), plan.stallMs)
          if (soft !== undefined) record.softFailure = soft
          return
        }
        record.error = asGatewayError(error)
        request.log.warn({ provider: target.name, err: record.error.message }, 'stream ended with an error')
      }
    })
    return sendChunkStream(reply, result.first, result.rest, encoding)
  })
}


export default openaiApi
