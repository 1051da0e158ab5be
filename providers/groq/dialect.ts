import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { OpenAICompatibleDialect, VendorFields } from '../../src/openai-compatible/dialect.ts'
import { WireUsageSchema } from '../../src/openai-compatible/wire.ts'

const GROQ_SERVICE_TIERS = new Set(['auto', 'on_demand', 'flex', 'performance'])
const GROQ_REASONING_EFFORT: Readonly<Record<string, string>> = {
  none: 'none', minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'high', max: 'high'
}

const isUsage = TypeCompiler.Compile(WireUsageSchema)

/** Groq's `x_groq`: usage on the last stream chunk (wire notes), and an error that ends a stream in-band. */
function groqFields (wire: Readonly<Record<string, unknown>>): VendorFields | undefined {
  const groq = wire.x_groq
  if (typeof groq !== 'object' || groq === null) return undefined
  const { usage, error } = groq as { usage?: unknown, error?: unknown }
  const fields: VendorFields = {}
  if (isUsage.Check(usage)) fields.usage = usage
  if (error != null) fields.error = typeof error === 'string' ? error : JSON.stringify(error)
  return fields
}

/**
 * Groq rejects unknown request and message fields with a 400, allows only n=1, documents logprobs and the
 * penalties as unsupported, streams usage unasked (in `x_groq.usage`), and answers 498 when flex capacity is
 * exhausted (told to clients as 503, and retried elsewhere).
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
  vendorFields: groqFields,
  statuses: { 498: 503 },
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
