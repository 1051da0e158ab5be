import type { ProviderDefinition } from '../../src/provider/contract.ts'
import { discovery } from './model-list.ts'
import { indexCatalog } from '../../src/provider/model-catalog.ts'
import { catalog, defaultModel, FALLBACK_MAX_TOKENS } from './models.ts'
import { pricing } from './pricing.ts'
import { toAnthropicRequest } from './request.ts'
import { fromAnthropicResponse } from './response.ts'
import { createAnthropicStreamTranslator } from './stream.ts'
import { parseAnthropicError } from './errors.ts'
import { relay } from './relay.ts'
import { rateLimitHeaders } from './rate-limits.ts'

const models = indexCatalog(catalog)

export const definition: ProviderDefinition = {
  name: 'anthropic',
  displayName: 'Anthropic',
  defaultBaseUrl: 'https://api.anthropic.com/v1',
  auth: { scheme: 'header', header: 'x-api-key' },
  staticHeaders: { 'anthropic-version': '2023-06-01' },
  defaultModel,
  catalog,
  pricing,
  rateLimitHeaders,
  toUpstreamRequest: (request) => toAnthropicRequest(request, models.find(request.model)?.maxOutputTokens ?? FALLBACK_MAX_TOKENS),
  fromUpstreamResponse: fromAnthropicResponse,
  createStreamTranslator: createAnthropicStreamTranslator,
  parseUpstreamError: (status, body, retryAfter) => parseAnthropicError(status, body, retryAfter),
  relay,
  discovery
}
