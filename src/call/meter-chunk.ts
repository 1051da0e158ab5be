import type { ChatChunk } from '../canonical/chat-chunk.ts'
import type { UsageMeter } from '../provider/relay-capability.ts'

/** Reports a canonical chunk's usage and the size of what it carries. */
export function meterChunk (meter: UsageMeter, chunk: ChatChunk): void {
  if (chunk.usage != null) meter.usage(chunk.usage)
  let chars = 0
  for (const choice of chunk.choices) {
    const delta = choice.delta
    if (typeof delta.content === 'string') chars += delta.content.length
    if (delta.reasoning_content !== undefined) chars += delta.reasoning_content.length
    if (delta.tool_calls !== undefined) {
      for (const call of delta.tool_calls) {
        chars += (call.function?.arguments?.length ?? 0) + (call.function?.name?.length ?? 0)
        meter.toolCall?.(call.index, call.function?.name, call.function?.arguments ?? '')
      }
    }
  }
  if (chars > 0) meter.output(chars)
}
