import type { ModelCatalog } from '../../src/provider/contract.ts'

const flash = { tools: true, vision: true, json: true, reasoning: true }

// Current Gemini Developer API text models (shared/docs/wire/gemini.md §10, 2026-11-25). Any other `gemini-*`
// id (dated previews, `-latest` aliases) is still Gemini's, by the family pattern.
export const catalog: ModelCatalog = {
  models: [
    { id: 'gemini-2.5-pro', contextWindow: 1048576, maxOutputTokens: 65536, capabilities: flash },
    { id: 'gemini-2.5-flash', contextWindow: 1048576, maxOutputTokens: 65536, capabilities: flash },
    { id: 'gemini-2.5-flash-lite', contextWindow: 1048576, maxOutputTokens: 65536, capabilities: flash },
    { id: 'gemini-3-flash-preview', contextWindow: 1048576, maxOutputTokens: 65536, capabilities: flash },
    { id: 'gemini-3.1-pro-preview', contextWindow: 1048576, maxOutputTokens: 65536, capabilities: flash },
    { id: 'gemini-3.1-flash-lite', contextWindow: 1048576, maxOutputTokens: 65536, capabilities: flash },
    { id: 'gemini-3.5-flash', contextWindow: 1048576, maxOutputTokens: 65536, capabilities: flash },
    { id: 'gemini-3.5-flash-lite', contextWindow: 1048576, maxOutputTokens: 65536, capabilities: flash }
  ],
  families: ['gemini-*']
}

export const defaultModel = 'gemini-2.5-flash'
