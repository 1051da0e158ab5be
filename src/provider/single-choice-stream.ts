import type { ChatChunk, ChunkDelta } from '../canonical/chat-chunk.ts'
import type { Usage } from '../canonical/usage.ts'
import type { ChoiceLogprobs } from '../canonical/logprobs.ts'
import type { CallContext } from './contract.ts'
import { upstreamProtocolError } from '../canonical/errors.ts'

/** One provider stream event's data, which must be a JSON object. */
export function parseEventObject<T extends object> (data: string, ctx: CallContext, displayName: string): T {
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    throw upstreamProtocolError(ctx.provider, `${displayName} sent a stream event that is not JSON`)
  }
  if (typeof parsed !== 'object' || parsed === null) throw upstreamProtocolError(ctx.provider, `${displayName} sent a stream event that is not a JSON object`)
  return parsed as T
}

export interface SingleChoiceChunks {
  /** Fixes the id and model every chunk carries (from the provider's first event). */
  begin: (id: string | undefined, model: string | undefined) => void
  /** A chunk for choice 0; the first one also carries `role`. `logprobs`, when not null, are the delta's. */
  chunk: (delta: ChunkDelta, finish?: ChatChunk['choices'][number]['finish_reason'], logprobs?: ChoiceLogprobs | null) => ChatChunk
  /** The closing usage chunk (no choices), or nothing if the stream never began. */
  usage: (usage: Usage) => ChatChunk | undefined
}

/**
 * Chunks for providers whose streams carry one answer (Anthropic, Cohere): one id and `created` for the
 * whole stream, `role` on the first delta only, usage on a last chunk without choices.
 */
export function singleChoiceChunks (ctx: CallContext, idPrefix: string): SingleChoiceChunks {
  let envelope: { id: string, created: number, model: string } | undefined
  let roleSent = false
  return {
    begin (id, model) {
      envelope = { id: id ?? ctx.newId(idPrefix), created: ctx.now(), model: model ?? ctx.model }
    },
    chunk (delta, finish = null, logprobs = null) {
      envelope ??= { id: ctx.newId(idPrefix), created: ctx.now(), model: ctx.model }
      if (!roleSent) {
        roleSent = true
        delta = { role: 'assistant', ...delta }
      }
      const choice = logprobs === null ? { index: 0, delta, finish_reason: finish } : { index: 0, delta, logprobs, finish_reason: finish }
      return { ...envelope, object: 'chat.completion.chunk', choices: [choice] }
    },
    usage (usage) {
      return envelope === undefined ? undefined : { ...envelope, object: 'chat.completion.chunk', choices: [], usage }
    }
  }
}
