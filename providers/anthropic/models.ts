import type { ModelCatalog } from '../../src/provider/contract.ts'

const claude = { tools: true, vision: true, json: true, reasoning: true }

// Current Claude models (shared/docs/wire/anthropic.md §12, 2026-11-25). Dated snapshots and any other
// `claude-*` id are Anthropic's by the family pattern.
export const catalog: ModelCatalog = {
  models: [
    { id: 'claude-haiku-4-5', aliases: ['claude-haiku-4-5-20251001'], contextWindow: 200000, maxOutputTokens: 64000, capabilities: claude },
    { id: 'claude-sonnet-4-5', aliases: ['claude-sonnet-4-5-20250929'], contextWindow: 200000, maxOutputTokens: 64000, capabilities: claude },
    { id: 'claude-sonnet-4-6', contextWindow: 1000000, maxOutputTokens: 64000, capabilities: claude },
    { id: 'claude-opus-4-6', contextWindow: 200000, maxOutputTokens: 32000, capabilities: claude },
    { id: 'claude-opus-5', contextWindow: 200000, maxOutputTokens: 64000, capabilities: claude },
    { id: 'claude-sonnet-5', contextWindow: 1000000, maxOutputTokens: 64000, capabilities: claude },
    { id: 'claude-opus-5-5', contextWindow: 1000000, maxOutputTokens: 128000, capabilities: claude },
    { id: 'claude-sonnet-5-5', contextWindow: 1000000, maxOutputTokens: 64000, capabilities: claude },
    { id: 'claude-haiku-5-5', contextWindow: 200000, maxOutputTokens: 64000, capabilities: claude }
  ],
  families: ['claude-*']
}

export const defaultModel = 'claude-sonnet-4-6'

/** `max_tokens` is required by Anthropic; without one from the client, the model's maximum (or this). */
export const FALLBACK_MAX_TOKENS = 8192
