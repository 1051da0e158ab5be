import type { OpenAICompatibleDialect } from '../../src/openai-compatible/dialect.ts'
import { togetherLogprobs } from './logprobs.ts'

/**
 * Together: `max_tokens` only, `stop` as an array, `logprobs` as a top-k integer (and log probabilities of its
 * own shape back), string content for system, tool and assistant turns, finish reason `eos`, and usage streamed
 * unasked on the last chunk.
 */
export const dialect: OpenAICompatibleDialect = {
  displayName: 'Together AI',
  forwardedParams: new Set([
    'model', 'stream', 'temperature', 'top_p', 'max_tokens', 'stop', 'seed', 'n', 'tools', 'tool_choice',
    'response_format', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_k', 'min_p',
    'repetition_penalty', 'reasoning_effort', 'context_length_exceeded_behavior', 'safety_model'
  ]),
  renamedParams: { max_completion_tokens: 'max_tokens' },
  streamUsage: 'always',
  strictMessages: true,
  stringContentRoles: new Set(['system', 'tool', 'assistant']),
  finishReasons: { eos: 'stop' },
  keepUnknownResponseFields: false,
  logprobs: togetherLogprobs,
  adjustBody (body, request) {
    if (typeof body.stop === 'string') body.stop = [body.stop]
    if (request.logprobs === true) body.logprobs = typeof request.top_logprobs === 'number' && request.top_logprobs > 0 ? request.top_logprobs : 1
    else delete body.logprobs
  }
}
