import { assistantMessage, type ChatResponse } from '../../src/canonical/chat-response.ts'
import type { ToolCall } from '../../src/canonical/chat-request.ts'
import type { CallContext } from '../../src/provider/contract.ts'
import { upstreamProtocolError } from '../../src/canonical/errors.ts'
import { mapStopReason, toUsage, type WireUsage } from './normalize.ts'
import { attachThinking, type ThinkingBlock } from './thinking-carrier.ts'

interface WireBlock { type: string, text?: string, thinking?: string, signature?: string, data?: string, id?: string, name?: string, input?: unknown }
interface WireMessage { id?: string, type?: string, model?: string, content?: WireBlock[], stop_reason?: string | null, usage?: WireUsage }

function isWireMessage (body: unknown): body is WireMessage {
  return typeof body === 'object' && body !== null && Array.isArray((body as WireMessage).content)
}

/** Anthropic `message` -> canonical response (wire notes §10). */
export function fromAnthropicResponse (body: unknown, ctx: CallContext): ChatResponse {
  if (!isWireMessage(body)) throw upstreamProtocolError(ctx.provider, 'Anthropic answered with a message of an unexpected shape')
  let text = ''
  let reasoning = ''
  const thinking: ThinkingBlock[] = []
  const toolCalls: ToolCall[] = []
  for (const block of body.content ?? []) {
    if (block.type === 'text') text += block.text ?? ''
    else if (block.type === 'thinking') {
      reasoning += block.thinking ?? ''
      thinking.push({ type: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' })
    } else if (block.type === 'redacted_thinking') {
      thinking.push({ type: 'redacted_thinking', data: block.data ?? '' })
    } else if (block.type === 'tool_use') {
      toolCalls.push({
        id: toolCalls.length === 0 ? attachThinking(block.id ?? ctx.newId('toolu_'), thinking) : block.id ?? ctx.newId('toolu_'),
        type: 'function',
        function: { name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) }
      })
    }
  }
  const message = assistantMessage(text, toolCalls, reasoning)
  const response: ChatResponse = {
    id: body.id ?? ctx.newId('msg_'),
    object: 'chat.completion',
    created: ctx.now(),
    model: body.model ?? ctx.model,
    choices: [{ index: 0, message, finish_reason: mapStopReason(body.stop_reason, ctx), logprobs: null }]
  }
  if (body.usage !== undefined) response.usage = toUsage(body.usage)
  return response
}
