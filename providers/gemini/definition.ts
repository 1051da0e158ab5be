import type { ProviderDefinition } from '../../src/provider/contract.ts'
import { discovery } from './model-list.ts'
import { catalog, defaultModel } from './models.ts'
import { pricing } from './pricing.ts'
import { toGeminiRequest } from './request.ts'
import { fromGeminiResponse } from './response.ts'
import { createGeminiStreamTranslator } from './stream.ts'
import { parseGeminiError } from './errors.ts'

export const definition: ProviderDefinition = {
  name: 'gemini',
  displayName: 'Google Gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
  auth: { scheme: 'header', header: 'x-goog-api-key' },
  defaultModel,
  catalog,
  pricing,
  toUpstreamRequest: (request) => toGeminiRequest(request),
  fromUpstreamResponse: fromGeminiResponse,
  createStreamTranslator: createGeminiStreamTranslator,
  parseUpstreamError: (status, body, retryAfter) => parseGeminiError(status, body, retryAfter),
  discovery
}
