import type { ChatChunk } from '../../canonical/chat-chunk.ts'
import type { Usage } from '../../canonical/usage.ts'
import { asGatewayError } from '../openai/errors.ts'
import { renderAnthropicError } from './errors.ts'
import { toAnthropicUsage, toStopReason, type StopReason } from './from-canonical.ts'

export interface AnthropicStreamOptions {
  messageId: string
  model: string
  /** Input tokens to announce in message_start before the provider has said (an estimate); corrected at the end. */
  estimatedInputTokens: number
  /** Send a ping after this much silence. */
  pingAfterMs: number
  onEnd?: (error: unknown) => void
}

function event (name: string, data: Record<string, unknown>): string {
  return `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`
}

/**
 * Canonical chunks -> Anthropic's event sequence: message_start, then per block content_block_start / deltas /
 * stop with increasing indexes (thinking, text and each tool call its own block; a block is closed before the
 * next opens), message_delta with stop_reason and usage, message_stop. Pings go out on long silences. A failure
 * ends the stream with an `error` event.
 */
export async function * encodeAnthropicStream (
  first: ChatChunk | undefined,
  rest: AsyncIterator<ChatChunk>,
  options: AnthropicStreamOptions
): AsyncGenerator<string> {
  let blockIndex = -1
  let open: { kind: 'thinking' | 'text' | 'tool', toolIndex?: number } | undefined
  let stopReason: StopReason = 'end_turn'
  let usage: Usage | undefined
  let failure: unknown

  const close = (): string[] => {
    if (open === undefined) return []
    open = undefined
    return [event('content_block_stop', { index: blockIndex })]
  }
  const start = (kind: 'thinking' | 'text' | 'tool', block: Record<string, unknown>, toolIndex?: number): string[] => {
    const out = close()
    blockIndex++
    open = toolIndex === undefined ? { kind } : { kind, toolIndex }
    out.push(event('content_block_start', { index: blockIndex, content_block: block }))
    return out
  }
  const encode = (chunk: ChatChunk): string[] => {
    if (chunk.usage != null) usage = chunk.usage
    const out: string[] = []
    const choice = chunk.choices[0]
    if (choice === undefined) return out
    const delta = choice.delta
    if (delta.reasoning_content !== undefined && delta.reasoning_content !== '') {
      if (open?.kind !== 'thinking') out.push(...start('thinking', { type: 'thinking', thinking: '', signature: '' }))
      out.push(event('content_block_delta', { index: blockIndex, delta: { type: 'thinking_delta', thinking: delta.reasoning_content } }))
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (open?.kind !== 'text') out.push(...start('text', { type: 'text', text: '' }))
      out.push(event('content_block_delta', { index: blockIndex, delta: { type: 'text_delta', text: delta.content } }))
    }
    for (const call of delta.tool_calls ?? []) {
      if (open?.kind !== 'tool' || open.toolIndex !== call.index) {
        out.push(...start('tool', { type: 'tool_use', id: call.id ?? `toolu_${options.messageId.slice(4)}_${call.index}`, name: call.function?.name ?? '', input: {} }, call.index))
      }
      const fragment = call.function?.arguments
      if (fragment !== undefined && fragment !== '') out.push(event('content_block_delta', { index: blockIndex, delta: { type: 'input_json_delta', partial_json: fragment } }))
    }
    if (choice.finish_reason !== null) stopReason = toStopReason(choice.finish_reason)
    return out
  }

  const startUsage = { input_tokens: options.estimatedInputTokens, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }
  yield event('message_start', { message: { id: options.messageId, type: 'message', role: 'assistant', model: options.model, content: [], stop_reason: null, stop_sequence: null, usage: startUsage } })
  try {
    if (first !== undefined) for (const text of encode(first)) yield text
    for (;;) {
      const next = rest.next()
      let result: IteratorResult<ChatChunk> | undefined
      while (result === undefined) {
        let timer: NodeJS.Timeout | undefined
        const silence = new Promise<undefined>((resolve) => { timer = setTimeout(resolve, options.pingAfterMs, undefined) })
        try {
          result = await Promise.race([next, silence])
        } finally {
          // Also when the stream fails: a pending ping timer would hold the whole call for pingAfterMs.
          clearTimeout(timer)
        }
        if (result === undefined) yield event('ping', {})
      }
      if (result.done === true) break
      for (const text of encode(result.value)) yield text
    }
    for (const text of close()) yield text
    yield event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: toAnthropicUsage(usage) })
    yield event('message_stop', {})
  } catch (error) {
    failure = error
    yield event('error', renderAnthropicError(asGatewayError(error)))
  } finally {
    options.onEnd?.(failure)
    // A consumer that stops early (the client left) must release the provider call too: `for await` would return
    // `rest` on its own, the manual `next()` above does not.
    rest.return?.(undefined).catch(() => {})
  }
}
