import type { OpenAICompatibleDialect } from '../../src/openai-compatible/dialect.ts'

/** OpenAI is the canonical format: everything passes through; usage in streams must be asked for. */
export const dialect: OpenAICompatibleDialect = {
  displayName: 'OpenAI',
  forwardedParams: 'all',
  streamUsage: 'request',
  strictMessages: false,
  keepUnknownResponseFields: true
}
