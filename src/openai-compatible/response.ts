import type { ChatResponse, ResponseMessage } from '../canonical/chat-response.ts'
import type { ToolCall } from '../canonical/chat-request.ts'
import type { CallContext } from '../provider/contract.ts'
import { GatewayError, providerMessage, upstreamProtocolError } from '../canonical/errors.ts'
import type { OpenAICompatibleDialect } from './dialect.ts'
import { isWireResponse } from './wire.ts'
import { mapFinishReason, normalizeUsage, splitContent, stringifyArguments } from './normalize.ts'

/** Provider chat-completion JSON -> canonical response. */
export function fromOpenAICompatibleResponse (body: unknown, ctx: CallContext, dialect: OpenAICompatibleDialect): ChatResponse {
  if (!isWireResponse.Check(body)) {
    throw upstreamProtocolError(ctx.provider, 'the provider answered with a chat completion of an unexpected shape')
  }
  const choices = body.choices.map((choice, position) => {
    const finish = mapFinishReason(choice.finish_reason ?? 'stop', dialect, ctx)
    if (finish === 'error') {
      throw new GatewayError('upstream_error', 502, `${dialect.displayName}: the provider stopped with an error`, { provider: ctx.provider })
    }
    const wire = choice.message
    const { text, thinking } = splitContent(wire.content)
    const toolCalls: ToolCall[] | undefined = wire.tool_calls?.map((call) => ({
      id: call.id ?? ctx.newId('call_'),
      type: 'function',
      function: { name: call.function?.name ?? '', arguments: stringifyArguments(call.function?.arguments) || '{}' }
    }))
    const base = dialect.keepUnknownResponseFields ? { ...(wire as Record<string, unknown>) } : {}
    delete base.reasoning
    const hasToolCalls = toolCalls !== undefined && toolCalls.length > 0
    const message: ResponseMessage = {
      ...base,
      role: 'assistant',
      // OpenAI clients expect null, not "", beside tool calls (Mistral sends "").
      content: text === undefined || (text === '' && hasToolCalls) ? null : text,
      refusal: wire.refusal ?? null
    }
    if (hasToolCalls) message.tool_calls = toolCalls
    else delete message.tool_calls
    const reasoning = wire.reasoning_content ?? wire.reasoning ?? thinking
    if (typeof reasoning === 'string' && reasoning !== '') message.reasoning_content = reasoning
    const logprobs = dialect.logprobs === undefined ? choice.logprobs ?? null : dialect.logprobs.answer(choice)
    return { index: choice.index ?? position, message, finish_reason: finish, logprobs }
  })

  const top = dialect.keepUnknownResponseFields ? { ...(body as Record<string, unknown>) } : {}
  const response: ChatResponse = {
    ...top,
    id: body.id ?? ctx.newId('chatcmpl-'),
    object: 'chat.completion',
    created: body.created ?? ctx.now(),
    model: body.model ?? ctx.model,
    choices
  }
  const vendor = dialect.vendorFields?.(body)
  if (vendor?.error !== undefined) {
    throw new GatewayError('upstream_error', 502, `${dialect.displayName}: ${providerMessage(vendor.error)}`, { provider: ctx.provider })
  }
  const usage = body.usage ?? vendor?.usage
  if (usage != null) response.usage = normalizeUsage(usage)
  else delete response.usage
  if (typeof body.system_fingerprint === 'string') response.system_fingerprint = body.system_fingerprint
  return response
}
