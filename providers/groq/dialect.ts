import type { OpenAICompatibleDialect } from '../../src/openai-compatible/dialect.ts'

const GROQ_SERVICE_TIERS = new Set(['auto', 'on_demand', 'flex', 'performance'])
const GROQ_REASONING_EFFORT: Readonly<Record<string, string>> = {
  none: 'none', minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'high', max: 'high'
}

/**
 * Groq rejects unknown request and message fields with a 400, allows only n=1, documents logprobs and the
 * penalties as unsupported, and streams usage unasked (in `x_groq.usage`).
 */
export const dialect: OpenAICompatibleDialect = {
  displayName: 'Groq',
  forwardedParams: new Set([
    'model', 'stream', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop', 'seed', 'n',
    'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'user', 'service_tier',
    'reasoning_effort', 'reasoning_format', 'include_reasoning', 'search_settings'
  ]),
  streamUsage: 'always',
  maxChoices: 1,
  strictMessages: true,
  keepUnknownResponseFields: false,
  adjustBody (body) {
    if (typeof body.service_tier === 'string' && !GROQ_SERVICE_TIERS.has(body.service_tier)) {
      if (body.service_tier === 'default') body.service_tier = 'on_demand'
      else delete body.service_tier
    }
    if (typeof body.reasoning_effort === 'string') {
      const effort = GROQ_REASONING_EFFORT[body.reasoning_effort]
      if (effort === undefined) delete body.reasoning_effort
      else body.reasoning_effort = effort
    }
  }
}
