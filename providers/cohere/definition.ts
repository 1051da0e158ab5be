import type { ProviderDefinition } from '../../src/provider/contract.ts'
import { discovery } from './model-list.ts'
import { catalog, defaultModel } from './models.ts'
import { pricing } from './pricing.ts'
import { toCohereRequest } from './request.ts'
import { fromCohereResponse } from './response.ts'
import { createCohereStreamTranslator } from './stream.ts'
import { parseCohereError } from './errors.ts'

export const definition: ProviderDefinition = {
  name: 'cohere',
  displayName: 'Cohere',
  defaultBaseUrl: 'https://api.cohere.com/v2',
  auth: { scheme: 'bearer' },
  defaultModel,
  catalog,
  pricing,
  toUpstreamRequest: (request) => toCohereRequest(request),
  fromUpstreamResponse: fromCohereResponse,
  createStreamTranslator: createCohereStreamTranslator,
  parseUpstreamError: (status, body, retryAfter) => parseCohereError(status, body, retryAfter),
  discovery
}
