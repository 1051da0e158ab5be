import { tokenLogprob, type ChoiceLogprobs } from '../../src/canonical/logprobs.ts'

// Together's log probabilities (its SDK's types): a whole answer's choice has `logprobs: {tokens, token_logprobs}`,
// one entry per token; a stream chunk's choice has `logprobs` as one number, for the chunk's token, and
// `top_logprobs` as a token → logprob map of the alternatives.

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function fromAnswer (choice: { logprobs?: unknown }): ChoiceLogprobs | null {
  const logprobs = choice.logprobs
  if (!isObject(logprobs) || !Array.isArray(logprobs.tokens)) return null
  const values = Array.isArray(logprobs.token_logprobs) ? logprobs.token_logprobs : []
  return {
    content: logprobs.tokens.map((token: unknown, position) => {
      const value: unknown = values[position]
      return tokenLogprob(typeof token === 'string' ? token : '', typeof value === 'number' ? value : 0)
    }),
    refusal: null
  }
}

function fromChunk (choice: { logprobs?: unknown, top_logprobs?: unknown }, text: string): ChoiceLogprobs | null {
  if (typeof choice.logprobs !== 'number') return null
  const alternatives = isObject(choice.top_logprobs)
    ? Object.entries(choice.top_logprobs)
      .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
      .sort((a, b) => b[1] - a[1])
    : []
  return { content: [tokenLogprob(text, choice.logprobs, alternatives)], refusal: null }
}

export const togetherLogprobs = { answer: fromAnswer, chunk: fromChunk }
