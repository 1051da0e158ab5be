import type { ChatChunk } from '../canonical/chat-chunk.ts'

/** An ingress protocol's wire text for one stream's chunks, made as they pass. */
export interface StreamEncoding<T = ChatChunk> {
  /** What opens the stream before any chunk (Anthropic's message_start). */
  start?: () => string
  /** An event sent after this long without a write, so that clients and proxies see the stream is alive. */
  keepAlive?: { text: string, afterMs: number }
  /** The text for one chunk, or nothing when the chunk says nothing in this protocol. May throw. */
  chunk: (chunk: T) => string | Buffer | undefined
  /** The stream's well-formed terminator (and anything held back for the end). */
  end: () => string
  /** The in-band error event that ends a failed stream. */
  fail: (error: unknown) => string
  /** The client left before the end. */
  abandon: () => void
}
