// Log probabilities in OpenAI's shape, which clients are given whatever the provider: one entry per token of the
// answer, each with the most likely alternatives at that step when the client asked for them (`top_logprobs`).

export interface TopLogprob {
  token: string
  logprob: number
  /** The token's UTF-8 bytes (a token can be part of a character). */
  bytes: number[] | null
}

export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[]
}

/** A choice's `logprobs`: the answer's tokens (a refusal's would go in `refusal`). */
export interface ChoiceLogprobs {
  content: TokenLogprob[] | null
  refusal: TokenLogprob[] | null
}

const utf8Bytes = (token: string): number[] => [...Buffer.from(token, 'utf8')]

/** One token's entry; `alternatives` are [token, logprob] pairs, most likely first. */
export function tokenLogprob (token: string, logprob: number, alternatives: ReadonlyArray<readonly [string, number]> = []): TokenLogprob {
  return {
    token,
    logprob,
    bytes: utf8Bytes(token),
    top_logprobs: alternatives.map(([alternative, value]) => ({ token: alternative, logprob: value, bytes: utf8Bytes(alternative) }))
  }
}
