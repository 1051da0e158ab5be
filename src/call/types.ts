import type { ChatChunk } from '../canonical/chat-chunk.ts'
import type { ChatResponse } from '../canonical/chat-response.ts'
import type { GatewayError } from '../canonical/errors.ts'
import type { ProviderDefinition } from '../provider/contract.ts'
import type { UsageMeter } from '../provider/relay-capability.ts'
import type { ClientPresence } from './client-presence.ts'
import type { ByteSource, PushedStream } from './pushed-stream.ts'
import type { UpstreamClient } from './upstream-client.ts'

// The shapes every file of the call path shares, kept here so that no two of them need each other.

export interface ProviderTarget {
  name: string
  definition: ProviderDefinition
  upstream: UpstreamClient
  headers: Readonly<Record<string, string>>
  secrets: readonly string[]
}

/** Contract §2's timeouts, plus the cap on a whole stream. */
export interface CallTimeouts {
  /** Total time for a non-streaming call; time to the first chunk for a stream. */
  requestTimeoutMs: number
  /** Longest silence between two events of a stream (bytes that never complete an event are silence). */
  streamIdleTimeoutMs: number
  /** Longest a stream may run in all, however lively. */
  streamTimeoutMs: number
}

export interface CallOptions extends CallTimeouts {
  requestId: string
  /** Whether the client is still there; its leaving aborts the upstream call. */
  client: ClientPresence
  /** Hears the usage and output size of the answer as it passes (the request's record). */
  meter?: UsageMeter
  /** Sees the error that ends a stream after its first chunk, before the consumer does. */
  onStreamError?: (error: GatewayError) => void
  /** Sees the provider's status and response headers, whatever the status (rate-limit headers are read off them). */
  onUpstreamHeaders?: ((status: number, headers: Record<string, string | string[] | undefined>) => void) | undefined
  /** Where translators' notices go (the request's logger). */
  log?: { warn: (fields: Record<string, unknown>, message: string) => void }
}

export type ProviderResult =
  | { stream: false, response: ChatResponse }
  | { stream: true, first: ChatChunk | undefined, rest: PushedStream<ChatChunk> }

export interface UpstreamRequestLine {
  path: string
  method?: 'GET' | 'POST'
  fromOrigin?: boolean
  headers: Record<string, string>
  body: string
  /** What the deadline waits for, for its message: `first chunk`, `complete answer`… */
  waitingFor: string
}

/** A streamed provider call that answered below 400, with what its owner needs to finish it. */
export interface OpenUpstreamStream {
  /** The answer's body, still coming. */
  body: ByteSource
  /** A stream has begun: the first-byte deadline gives way to the idle timeout between events. */
  streamStarted: () => void
  /** An event (or a keep-alive comment) arrived: the idle timeout starts again. */
  eventArrived: () => void
  /** The gateway stopped reading the stream because its client is behind (true), or reads on (false). */
  holdIdle: (held: boolean) => void
  /** Stops the timers and the watch on the client; call it once the call is over. */
  release: () => void
  /** Whatever the call threw, as a GatewayError with keys scrubbed. */
  failure: (error: unknown) => GatewayError
}
