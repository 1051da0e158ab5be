import { assistantMessage, type ChatResponse } from '../../src/canonical/chat-response.ts'
import type { ToolCall } from '../../src/canonical/chat-request.ts'
import type { CallContext } from '../../src/provider/contract.ts'
import { upstreamProtocolError, upstreamTimeout } from '../../src/canonical/errors.ts'
import { mapFinishReason, toUsage, type WireUsage } from './normalize.ts'
import { toLogprobs, type WireLogprobItem } from './logprobs.ts'

interface WireResponse {
  id?: string
  message?: {
    content?: Array<{ type?: string, text?: string, thinking?: string }>
    tool_calls?: Array<{ id?: string, function?: { name?: string, arguments?: string } }>
  }
  finish_reason?: string
  usage?: WireUsage
  logprobs?: WireLogprobItem[]
}

function isWireResponse (body: unknown): body is WireResponse {
  return typeof body === 'object' && body !== null && typeof (body as WireResponse).message === 'object'
}

/** Cohere v2 chat response -> canonical response. `tool_plan` (planning text) is not part of the answer. */
export function fromCohereResponse (body: unknown, ctx: CallContext): ChatResponse {
  if (!isWireResponse(body)) throw upstreamProtocolError(ctx.provider, 'Cohere answered with a response of an unexpected shape')
  const finish = mapFinishReason(body.finish_reason, ctx)
  if (finish === 'error') throw upstreamProtocolError(ctx.provider, 'Cohere stopped with finish_reason ERROR')
  if (finish === 'timeout') throw upstreamTimeout(ctx.provider, 'Cohere stopped with finish_reason TIMEOUT')
  let text = ''
  let reasoning = ''
  for (const block of body.message?.content ?? []) {
    if (block.type === 'thinking') reasoning += block.thinking ?? ''
    else text += block.text ?? ''
  }
  const toolCalls: ToolCall[] = (body.message?.tool_calls ?? []).map((call) => ({
    id: call.id ?? ctx.newId('call_'),
    type: 'function',
    function: { name: call.function?.name ?? '', arguments: call.function?.arguments === undefined || call.function.arguments === '' ? '{}' : call.function.arguments }
  }))
  const message = assistantMessage(text, toolCalls, reasoning)
  const response: ChatResponse = {
    id: body.id ?? ctx.newId('chatcmpl-'),
    object: 'chat.completion',
    created: ctx.now(),
    model: ctx.model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: toLogprobs(body.logprobs) }]
  }
  if (body.usage !== undefined) response.usage = toUsage(body.usage)
  return response
}
