import type { ChatResponse } from '../../canonical/chat-response.ts'
import type { FinishReason } from '../../canonical/finish-reason.ts'
import type { Usage } from '../../canonical/usage.ts'

export type StopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'refusal'

export function toStopReason (finish: FinishReason | null | undefined): StopReason {
  switch (finish) {
    case 'length': return 'max_tokens'
    case 'tool_calls': case 'function_call': return 'tool_use'
    case 'content_filter': return 'refusal'
    default: return 'end_turn'
  }
}

export interface AnthropicUsage {
  input_tokens: number
  output_tokens: number
  cache_read_input_tokens: number
  cache_creation_input_tokens: number
}

/** OpenAI-convention usage (prompt includes cache) -> Anthropic's (input excludes cache reads and writes). */
export function toAnthropicUsage (usage: Usage | undefined): AnthropicUsage {
  const read = usage?.prompt_tokens_details?.cached_tokens ?? 0
  const written = usage?.prompt_tokens_details?.cache_write_tokens ?? 0
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - read - written),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_read_input_tokens: read,
    cache_creation_input_tokens: written
  }
}

/** A canonical response -> an Anthropic `message`, content blocks in the order Anthropic uses. */
export function toAnthropicMessage (response: ChatResponse, model: string, newId: () => string): Record<string, unknown> {
  const choice = response.choices[0]
  const content: Array<Record<string, unknown>> = []
  const message = choice?.message
  if (message?.reasoning_content !== undefined && message.reasoning_content !== '') {
    content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' })
  }
  if (typeof message?.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content })
  for (const call of message?.tool_calls ?? []) {
    let input: unknown
    try {
      input = JSON.parse(call.function.arguments === '' ? '{}' : call.function.arguments)
    } catch {
      input = {}
    }
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input })
  }
  return {
    id: newId(),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: toStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(response.usage)
  }
}
