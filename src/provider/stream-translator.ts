import type { ChatChunk } from '../canonical/chat-chunk.ts'
import type { CallContext } from './call-context.ts'
import type { SseEvent } from '../http/sse.ts'

/**
 * One stream's translation from a provider's events to canonical chunks, pushed one event at a time. It is
 * synchronous so that the gateway can carry a chunk from the provider's socket to the client's in the same turn,
 * with no promise per chunk (see `src/call/translated-stream.ts`).
 */
export interface StreamTranslator {
  /**
   * Translates one event, handing the chunks it makes to `emit`. Returns true once the provider has said the
   * stream is complete (OpenAI's `[DONE]`): later events are not read. Throws a `GatewayError` when the provider
   * reports a failure or sends what cannot be read.
   */
  event: (event: SseEvent) => boolean
  /** No more events will come. Emits what was held for the end (usage); throws when the stream stopped early. */
  end: () => void
}

/** What a provider declares: a fresh translator for each stream, with where its chunks go. */
export type CreateStreamTranslator = (ctx: CallContext, emit: (chunk: ChatChunk) => void) => StreamTranslator
