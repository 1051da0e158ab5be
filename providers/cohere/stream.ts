import type { ChatChunk } from '../../src/canonical/chat-chunk.ts'
import type { CallContext } from '../../src/provider/contract.ts'
import type { SseEvent } from '../../src/http/sse.ts'
import type { StreamTranslator } from '../../src/provider/stream-translator.ts'
import { upstreamProtocolError, upstreamTimeout } from '../../src/canonical/errors.ts'
import { parseEventObject, singleChoiceChunks } from '../../src/provider/single-choice-stream.ts'
import { mapFinishReason, toUsage, type WireUsage } from './normalize.ts'
import { toLogprobs, type WireLogprobItem } from './logprobs.ts'

interface WireEvent {
  id?: string
  type?: string
  index?: number
  delta?: {
    message?: {
      content?: { type?: string, text?: string, thinking?: string }
      tool_calls?: { id?: string, function?: { name?: string, arguments?: string } }
    }
    finish_reason?: string
    usage?: WireUsage
    error?: string
  }
  logprobs?: WireLogprobItem
}

/**
 * Cohere v2 typed events -> canonical chunks (wire notes §4). Tool calls take the gateway's own ordinal index;
 * a zero-argument call (no argument fragments) gets "{}". Planning text, citations and debug events are not
 * sent. The stream must end with message-end; ERROR and TIMEOUT there are failures.
 */
export function createCohereStreamTranslator (ctx: CallContext, emit: (chunk: ChatChunk) => void): StreamTranslator {
  let usage: WireUsage | undefined
  let ended = false
  const toolIndexes = new Map<number, { index: number, sawArguments: boolean }>()

  const { begin, chunk, usage: usageChunk } = singleChoiceChunks(ctx, 'chatcmpl-')

  return { event, end }

  function event (event: SseEvent): boolean {
    if (event.data === '[DONE]') return true
    const data = parseEventObject<WireEvent>(event.data, ctx, 'Cohere')
    const message = data.delta?.message
    switch (data.type ?? event.event) {
      case 'message-start':
        begin(data.id, undefined)
        emit(chunk({ content: '' }))
        break
      case 'content-delta': {
        const content = message?.content
        if (content?.thinking !== undefined && content.thinking !== '') emit(chunk({ reasoning_content: content.thinking }))
        else if (content?.text !== undefined && content.text !== '') emit(chunk({ content: content.text }, null, toLogprobs(data.logprobs)))
        break
      }
      case 'tool-call-start': {
        const index = toolIndexes.size
        const call = message?.tool_calls
        const fragment = call?.function?.arguments ?? ''
        toolIndexes.set(data.index ?? index, { index, sawArguments: fragment !== '' })
        emit(chunk({ tool_calls: [{ index, id: call?.id ?? ctx.newId('call_'), type: 'function', function: { name: call?.function?.name ?? '', arguments: fragment } }] }))
        break
      }
      case 'tool-call-delta': {
        const tool = toolIndexes.get(data.index ?? -1)
        const fragment = message?.tool_calls?.function?.arguments
        if (tool !== undefined && fragment !== undefined && fragment !== '') {
          tool.sawArguments = true
          emit(chunk({ tool_calls: [{ index: tool.index, function: { arguments: fragment } }] }))
        }
        break
      }
      case 'tool-call-end': {
        const tool = toolIndexes.get(data.index ?? -1)
        if (tool !== undefined && !tool.sawArguments) emit(chunk({ tool_calls: [{ index: tool.index, function: { arguments: '{}' } }] }))
        break
      }
      case 'message-end': {
        const finish = mapFinishReason(data.delta?.finish_reason, ctx)
        if (finish === 'error') throw upstreamProtocolError(ctx.provider, `Cohere stopped with an error: ${data.delta?.error ?? 'no detail'}`)
        if (finish === 'timeout') throw upstreamTimeout(ctx.provider, 'Cohere stopped with finish_reason TIMEOUT')
        usage = data.delta?.usage
        emit(chunk({}, finish))
        ended = true
        break
      }
      default:
        // content-start/end, tool-plan-delta, citation-*, debug: nothing for an OpenAI client.
        break
    }
    return false
  }

  function end (): void {
    if (!ended) throw upstreamProtocolError(ctx.provider, 'the Cohere stream ended before message-end')
    const last = usage === undefined ? undefined : usageChunk(toUsage(usage))
    if (last !== undefined) emit(last)
  }
}
