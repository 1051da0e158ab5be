import type { ChatChunk } from '../../src/canonical/chat-chunk.ts'
import type { CallContext } from '../../src/provider/contract.ts'
import type { SseEvent } from '../../src/http/sse.ts'
import type { StreamTranslator } from '../../src/provider/stream-translator.ts'
import { upstreamProtocolError } from '../../src/canonical/errors.ts'
import { parseEventObject, singleChoiceChunks } from '../../src/provider/single-choice-stream.ts'
import { mapStopReason, toUsage, type WireUsage } from './normalize.ts'
import { attachThinking, type ThinkingBlock } from './thinking-carrier.ts'
import { parseAnthropicError, statusOfErrorType } from './errors.ts'

interface WireEvent {
  type?: string
  index?: number
  message?: { id?: string, model?: string, usage?: WireUsage }
  content_block?: { type?: string, id?: string, name?: string, data?: string }
  delta?: { type?: string, text?: string, partial_json?: string, thinking?: string, signature?: string, stop_reason?: string | null }
  usage?: WireUsage
  error?: { type?: string, message?: string }
}

/**
 * Anthropic SSE events -> canonical chunks, event by event (wire notes §7). Tool calls get OpenAI's ordinal
 * index (0, 1, …), not Anthropic's block index; their arguments stream as fragments. Usage is cumulative:
 * message_start gives the input side, message_delta the output (and may restate the input), and it goes out
 * once at the end.
 */
export function createAnthropicStreamTranslator (ctx: CallContext, emit: (chunk: ChatChunk) => void): StreamTranslator {
  let usage: WireUsage = {}
  let stopped = false
  const toolIndexByBlock = new Map<number, number>()
  const thinking: ThinkingBlock[] = []
  let currentThinking: { thinking: string, signature: string } | undefined

  const { begin, chunk, usage: usageChunk } = singleChoiceChunks(ctx, 'msg_')

  return { event, end }

  function event (event: SseEvent): boolean {
    const data = parseEventObject<WireEvent>(event.data, ctx, 'Anthropic')
    const type = data.type ?? event.event
    switch (type) {
      case 'message_start':
        begin(data.message?.id, data.message?.model)
        usage = { ...data.message?.usage }
        emit(chunk({ content: '' }))
        break
      case 'content_block_start': {
        const block = data.content_block
        if (block?.type === 'tool_use') {
          const toolIndex = toolIndexByBlock.size
          toolIndexByBlock.set(data.index ?? -1, toolIndex)
          const id = block.id ?? ctx.newId('toolu_')
          emit(chunk({ tool_calls: [{ index: toolIndex, id: toolIndex === 0 ? attachThinking(id, thinking) : id, type: 'function', function: { name: block.name ?? '', arguments: '' } }] }))
        } else if (block?.type === 'thinking') {
          currentThinking = { thinking: '', signature: '' }
        } else if (block?.type === 'redacted_thinking') {
          thinking.push({ type: 'redacted_thinking', data: block.data ?? '' })
        }
        break
      }
      case 'content_block_delta': {
        const delta = data.delta
        if (delta?.type === 'text_delta' && delta.text !== undefined && delta.text !== '') emit(chunk({ content: delta.text }))
        else if (delta?.type === 'thinking_delta' && delta.thinking !== undefined) {
          if (currentThinking !== undefined) currentThinking.thinking += delta.thinking
          if (delta.thinking !== '') emit(chunk({ reasoning_content: delta.thinking }))
        } else if (delta?.type === 'signature_delta' && currentThinking !== undefined) {
          currentThinking.signature += delta.signature ?? ''
        } else if (delta?.type === 'input_json_delta') {
          const toolIndex = toolIndexByBlock.get(data.index ?? -1)
          if (toolIndex !== undefined && delta.partial_json !== undefined && delta.partial_json !== '') {
            emit(chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] }))
          }
        }
        break
      }
      case 'content_block_stop':
        if (currentThinking !== undefined) {
          thinking.push({ type: 'thinking', ...currentThinking })
          currentThinking = undefined
        }
        break
      case 'message_delta':
        usage = { ...usage, ...definedOnly(data.usage) }
        emit(chunk({}, mapStopReason(data.delta?.stop_reason, ctx)))
        stopped = true
        break
      case 'message_stop':
        stopped = true
        break
      case 'error': {
        const status = statusOfErrorType(data.error?.type)
        throw parseAnthropicError(status, data, undefined, ctx.provider)
      }
      default:
        // ping, and event types added later: nothing for the client.
        break
    }
    return false
  }

  function end (): void {
    if (!stopped) throw upstreamProtocolError(ctx.provider, 'the Anthropic stream ended before message_delta')
    const last = usageChunk(toUsage(usage))
    if (last !== undefined) emit(last)
  }
}

function definedOnly (usage: WireUsage | undefined): WireUsage {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(usage ?? {})) if (value != null) out[key] = value
  return out as WireUsage
}
