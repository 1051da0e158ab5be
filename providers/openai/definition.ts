import { defineOpenAICompatibleProvider } from '../../src/openai-compatible/define-provider.ts'
import { catalog, defaultModel } from './models.ts'
import { pricing } from './pricing.ts'
import { dialect } from './dialect.ts'
import { rateLimitHeaders } from './rate-limits.ts'
import { discovery } from './model-list.ts'

export const definition = {
  ...defineOpenAICompatibleProvider({
    name: 'openai',
    displayName: 'OpenAI',
    defaultBaseUrl: 'https://api.openai.com/v1',
    auth: { scheme: 'bearer' },
    defaultModel,
    catalog,
    pricing,
    rateLimitHeaders
  }, dialect),
  discovery
}
