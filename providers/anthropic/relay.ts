import type { RelayCapability } from '../../src/provider/relay-capability.ts'
import { parseAnthropicError, statusOfErrorType } from './errors.ts'
import { toUsage, type WireUsage } from './normalize.ts'

interface RelayedEvent {
  type?: string
  message?: { usage?: WireUsage }
  usage?: WireUsage
  index?: number
  content_block?: { type?: string, name?: string }
  delta?: { text?: string, thinking?: string, partial_json?: string }
  error?: { type?: string }
}

/** `/v1/messages` requests go to Anthropic as they are; this reads usage, size and errors off the answer. */
export const relay: RelayCapability = {
  protocol: 'anthropic-messages',
  forwardedHeaders: ['anthropic-version', 'anthropic-beta'],
  answerUsage: (body) => {
    const usage = typeof body === 'object' && body !== null ? (body as { usage?: WireUsage }).usage : undefined
    return usage == null ? undefined : toUsage(usage)
  },
  createStreamReader: (provider) => {
    const usage: WireUsage = {}
    return {
      event: (event, meter) => {
        let data: RelayedEvent
        try {
          data = JSON.parse(event.data) as RelayedEvent
        } catch {
          return event.event === 'message_stop' ? 'end' : undefined
        }
        switch (data.type) {
          case 'message_stop':
            return 'end'
          case 'error':
            return parseAnthropicError(statusOfErrorType(data.error?.type), data, undefined, provider)
          case 'content_block_start':
            if (data.content_block?.type === 'tool_use' && typeof data.index === 'number') meter.toolCall?.(data.index, data.content_block.name, '')
            return undefined
          case 'content_block_delta':
            meter.output((data.delta?.text ?? data.delta?.thinking ?? data.delta?.partial_json ?? '').length)
            if (data.delta?.partial_json !== undefined && typeof data.index === 'number') meter.toolCall?.(data.index, undefined, data.delta.partial_json)
            return undefined
          case 'message_start':
          case 'message_delta': {
            // Usage is cumulative: message_start gives the input side; message_delta the output, and may restate input.
            const reported = data.type === 'message_start' ? data.message?.usage : data.usage
            if (reported == null) return undefined
            for (const [key, value] of Object.entries(reported)) if (value != null) Object.assign(usage, { [key]: value })
            meter.usage(toUsage(usage))
            return undefined
          }
          default:
            return event.event === 'message_stop' ? 'end' : undefined
        }
      }
    }
  }
}
