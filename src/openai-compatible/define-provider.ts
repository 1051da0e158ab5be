import type { ProviderDefinition, ProviderManifest } from '../provider/contract.ts'
import type { OpenAICompatibleDialect } from './dialect.ts'
import { toOpenAICompatibleBody } from './request.ts'
import { fromOpenAICompatibleResponse } from './response.ts'
import { createOpenAICompatibleStreamTranslator } from './stream.ts'
import { parseOpenAICompatibleError } from './errors.ts'

/** A full provider definition for an OpenAI-shaped API: its manifest plus how its dialect differs. */
export function defineOpenAICompatibleProvider (manifest: ProviderManifest, dialect: OpenAICompatibleDialect): ProviderDefinition {
  return {
    ...manifest,
    toUpstreamRequest: (request) => ({ path: '/chat/completions', body: toOpenAICompatibleBody(request, dialect) }),
    fromUpstreamResponse: (body, ctx) => fromOpenAICompatibleResponse(body, ctx, dialect),
    createStreamTranslator: (ctx, emit) => createOpenAICompatibleStreamTranslator(ctx, emit, dialect),
    parseUpstreamError: (status, body, retryAfter) =>
      parseOpenAICompatibleError(status, body, retryAfter, manifest.name, dialect)
  }
}
