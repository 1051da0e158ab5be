import type { OpenAICompatibleDialect } from '../../src/openai-compatible/dialect.ts'
import { toMistralToolCallId } from './tool-call-id.ts'

/**
 * Mistral validates strictly (any unknown field is a 422), names the seed `random_seed`, takes `max_tokens`
 * only, wants 9-character alphanumeric tool call ids, and adds the finish reasons `model_length` and `error`.
 */
export const dialect: OpenAICompatibleDialect = {
  displayName: 'Mistral',
  forwardedParams: new Set([
    'model', 'stream', 'temperature', 'top_p', 'max_tokens', 'stop', 'random_seed', 'response_format', 'tools',
    'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls',
    'safe_prompt', 'prompt_mode', 'reasoning_effort'
  ]),
  renamedParams: { seed: 'random_seed', max_completion_tokens: 'max_tokens' },
  streamUsage: 'always',
  strictMessages: true,
  toolCallId: toMistralToolCallId,
  finishReasons: { model_length: 'length', error: 'error' },
  keepUnknownResponseFields: false
}
