import type { ChatChunk } from '../../canonical/chat-chunk.ts'
import type { Usage } from '../../canonical/usage.ts'
import type { StreamEncoding } from '../stream-encoding.ts'
import { encodeSseEvent } from '../../http/sse.ts'
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
  return encodeSseEvent(JSON.stringify({ type: name, ...data }), name)
}

/**
 * Canonical chunks -> Anthropic's event sequence: message_start, then per block content_block_start / deltas /
 * stop with increasing indexes (thinking, text and each tool call its own block; a block is closed before the
 * next opens), message_delta with stop_reason and usage, message_stop. Pings go out on long silences. A failure
 * ends the stream with an `error` event.
 */
export class AnthropicStreamEncoding implements StreamEncoding {
  readonly keepAlive
  private blockIndex = -1
  private open: { kind: 'thinking' | 'text' | 'tool', toolIndex?: number } | undefined
  private stopReason: StopReason = 'end_turn'
  private usage: Usage | undefined
  private ended = false

  constructor (private readonly options: AnthropicStreamOptions) {
    this.keepAlive = { text: event('ping', {}), afterMs: options.pingAfterMs }
  }

  start (): string {
    const { messageId, model, estimatedInputTokens } = this.options
    const usage = { input_tokens: estimatedInputTokens, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }
    return event('message_start', { message: { id: messageId, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } })
  }

  chunk (chunk: ChatChunk): string | undefined {
    if (chunk.usage != null) this.usage = chunk.usage
    const choice = chunk.choices[0]
    if (choice === undefined) return undefined
    let out = ''
    const delta = choice.delta
    if (delta.reasoning_content !== undefined && delta.reasoning_content !== '') {
      if (this.open?.kind !== 'thinking') out += this.startBlock('thinking', { type: 'thinking', thinking: '', signature: '' })
      out += event('content_block_delta', { index: this.blockIndex, delta: { type: 'thinking_delta', thinking: delta.reasoning_content } })
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.open?.kind !== 'text') out += this.startBlock('text', { type: 'text', text: '' })
      out += event('content_block_delta', { index: this.blockIndex, delta: { type: 'text_delta', text: delta.content } })
    }
    for (const call of delta.tool_calls ?? []) {
      if (this.open?.kind !== 'tool' || this.open.toolIndex !== call.index) {
        const id = call.id ?? `toolu_${this.options.messageId.slice(4)}_${call.index}`
        out += this.startBlock('tool', { type: 'tool_use', id, name: call.function?.name ?? '', input: {} }, call.index)
      }
      const fragment = call.function?.arguments
      if (fragment !== undefined && fragment !== '') out += event('content_block_delta', { index: this.blockIndex, delta: { type: 'input_json_delta', partial_json: fragment } })
    }
    if (choice.finish_reason !== null) this.stopReason = toStopReason(choice.finish_reason)
    return out === '' ? undefined : out
  }

  end (): string {
    this.report(undefined)
    return this.closeBlock() +
      event('message_delta', { delta: { stop_reason: this.stopReason, stop_sequence: null }, usage: toAnthropicUsage(this.usage) }) +
      event('message_stop', {})
  }

  fail (error: unknown): string {
    this.report(error)
    return event('error', renderAnthropicError(asGatewayError(error)))
  }

  abandon (): void {
    this.report(undefined)
  }

  private closeBlock (): string {
    if (this.open === undefined) return ''
    this.open = undefined
    return event('content_block_stop', { index: this.blockIndex })
  }

  private startBlock (kind: 'thinking' | 'text' | 'tool', block: Record<string, unknown>, toolIndex?: number): string {
    const closing = this.closeBlock()
    this.blockIndex++
    this.open = toolIndex === undefined ? { kind } : { kind, toolIndex }
    return closing + event('content_block_start', { index: this.blockIndex, content_block: block })
  }

  private report (error: unknown): void {
    if (this.ended) return
    this.ended = true
    this.options.onEnd?.(error)
  }
}
