import type { ModelCatalog } from '../../src/provider/contract.ts'

const command = { tools: true, vision: false, json: true, reasoning: false }

// Cohere's chat models (shared/docs/wire/cohere.md §2, §7, 2026-11-25); any other `command-*` id is Cohere's by
// the family pattern.
export const catalog: ModelCatalog = {
  models: [
    { id: 'command-a-03-2025', contextWindow: 256000, maxOutputTokens: 8000, capabilities: command },
    { id: 'command-a-reasoning-08-2025', contextWindow: 256000, maxOutputTokens: 32000, capabilities: { ...command, reasoning: true } },
    { id: 'command-a-vision-07-2025', contextWindow: 128000, maxOutputTokens: 8000, capabilities: { ...command, vision: true, tools: false } },
    { id: 'command-r-plus-08-2024', contextWindow: 128000, maxOutputTokens: 4000, capabilities: command },
    { id: 'command-r-08-2024', contextWindow: 128000, maxOutputTokens: 4000, capabilities: command },
    { id: 'command-r7b-12-2024', contextWindow: 128000, maxOutputTokens: 4000, capabilities: command }
  ],
  families: ['command-*']
}

export const defaultModel = 'command-a-03-2025'
