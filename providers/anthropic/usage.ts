import type { Usage } from '../../src/canonical/usage.ts'

export interface AnthropicWireUsage {
  input_tokens?: number | null
  output_tokens?: number | null
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
  output_tokens_details?: { thinking_tokens?: number | null } | null
}

/**
 * Anthropic usage in OpenAI's terms. Anthropic's input_tokens excludes cache reads and writes; OpenAI's
 * prompt_tokens includes them, so they are added, and reported again under prompt_tokens_details.
 */
export function fromAnthropicUsage (usage: AnthropicWireUsage): Usage {
  const read = usage.cache_read_input_tokens ?? 0
  const written = usage.cache_creation_input_tokens ?? 0
  const prompt = (usage.input_tokens ?? 0) + read + written
  const completion = usage.output_tokens ?? 0
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
  if (usage.cache_read_input_tokens != null || usage.cache_creation_input_tokens != null) {
    out.prompt_tokens_details = { cached_tokens: read, cache_write_tokens: written }
  }
  const thinking = usage.output_tokens_details?.thinking_tokens
  if (thinking != null) out.completion_tokens_details = { reasoning_tokens: thinking }
  return out
}
