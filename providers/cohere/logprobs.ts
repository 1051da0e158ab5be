import { tokenLogprob, type ChoiceLogprobs, type TokenLogprob } from '../../src/canonical/logprobs.ts'

// Cohere scores text chunks, not tokens (its SDK's LogprobItem): `{text, token_ids, logprobs}`, one log
// probability per token of the chunk. OpenAI's shape has one entry per token with its text, which Cohere does not
// give, so each chunk becomes one entry: its text, and the sum of its tokens' log probabilities (the chunk's own).

export interface WireLogprobItem {
  text?: string
  logprobs?: number[]
}

function entryOf (item: WireLogprobItem): TokenLogprob {
  return tokenLogprob(item.text ?? '', (item.logprobs ?? []).reduce((sum, value) => sum + value, 0))
}

/** A whole answer's `logprobs`, or a stream `content-delta` event's one item, in OpenAI's shape. */
export function toLogprobs (items: WireLogprobItem | WireLogprobItem[] | undefined): ChoiceLogprobs | null {
  if (items === undefined) return null
  return { content: Array.isArray(items) ? items.map(entryOf) : [entryOf(items)], refusal: null }
}
