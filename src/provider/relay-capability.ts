import type { GatewayError } from '../canonical/errors.ts'
import type { Usage } from '../canonical/usage.ts'
import type { SseEvent } from '../http/sse.ts'

/** Ingress protocols a provider may speak itself. */
export type RelayProtocol = 'anthropic-messages'

/** Where a call reports what it learns of usage and size as the answer passes (the request's record). */
export interface UsageMeter {
  /** Usage the provider reported; a later report replaces an earlier one. */
  usage: (usage: Usage) => void
  /** Characters of content, reasoning and tool arguments the client was sent: the basis of an estimate. */
  output: (chars: number) => void
  /** A fragment of a streamed tool call's arguments, by the call's index; its name once known (quality checks). */
  toolCall?: (index: number, name: string | undefined, fragment: string) => void
}

/**
 * Declared by a provider that speaks an ingress protocol itself: requests in that protocol are relayed to it
 * untranslated and its bytes sent back as they come (`src/call/relay.ts`). The relay is generic; this is all it
 * needs to know of the protocol's answers.
 */
export interface RelayCapability {
  protocol: RelayProtocol
  /** Request headers of the protocol that the client sets and the provider reads (versions, betas): forwarded as sent. */
  forwardedHeaders: readonly string[]
  /** The usage a whole answer reports, from its parsed body. */
  answerUsage: (body: unknown) => Usage | undefined
  /** A reader for one relayed stream, fed each event as it passes. */
  createStreamReader: (provider: string) => RelayStreamReader
}

export interface RelayStreamReader {
  /**
   * Reads one event, reporting usage and output size to `meter`. Returns `end` for the event that completes the
   * stream, the provider's own error (as a GatewayError) for an error event, else nothing.
   */
  event: (event: SseEvent, meter: UsageMeter) => 'end' | GatewayError | undefined
}
