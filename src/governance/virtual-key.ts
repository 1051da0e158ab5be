import { createHmac, randomBytes } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import { compileGlobs } from '../provider/model-catalog.ts'

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._:/@-]*$' })
const Pattern = Type.String({ minLength: 1, maxLength: 200 })

/**
 * What a virtual key allows, as the admin API takes it and the store keeps it (as JSON). Every field is optional:
 * a key without limits is a key for attribution only. Rate limits count per window of `windowSeconds` (60: per
 * minute); budgets per UTC day and calendar month.
 */
export const KeySettingsSchema = Type.Object({
  owner: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  allowedProviders: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z][a-z0-9-]*$' }), { maxItems: 100 })),
  /** `model`, `provider:model` or glob patterns (`*`) of either. */
  allowedModels: Type.Optional(Type.Array(Pattern, { maxItems: 1000 })),
  requestsPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e9 })),
  tokensPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e12 })),
  windowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  budgetDailyUsd: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e7 })),
  budgetMonthlyUsd: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e7 })),
  /** A budgeted key may call a model with no known price (whose cost then counts as 0). */
  allowUnpriced: Type.Optional(Type.Boolean()),
  /** The key may send `x-switchyard-priority: high` to go ahead in the rate-limit queue. */
  allowHighPriority: Type.Optional(Type.Boolean()),
  /** ISO 8601; the key is refused from then on. */
  expiresAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
  enabled: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

export type KeySettings = Static<typeof KeySettingsSchema>

export const CreateKeySchema = Type.Composite([Type.Object({ name: Name }), KeySettingsSchema], { additionalProperties: false })
export type CreateKey = Static<typeof CreateKeySchema>

/** A PATCH names the fields it changes; `null` removes a setting. */
export const PatchKeySchema = Type.Object({
  name: Type.Optional(Name),
  ...Object.fromEntries(Object.entries(KeySettingsSchema.properties).map(([field, schema]) => [field, Type.Optional(Type.Union([Type.Unsafe(schema), Type.Null()]))]))
}, { additionalProperties: false, minProperties: 1 })
export type PatchKey = { name?: string } & { [K in keyof KeySettings]?: KeySettings[K] | null }

/** A virtual key ready for the request path: patterns compiled, amounts in the units the counters use. */
export interface VirtualKey {
  readonly id: string
  readonly name: string
  readonly settings: KeySettings
  readonly providers: ReadonlySet<string> | undefined
  readonly models: RegExp | undefined
  readonly windowMs: number
  /** Budgets in nano-USD: the shared counters add integers. */
  readonly dailyBudgetNanoUsd: number | undefined
  readonly monthlyBudgetNanoUsd: number | undefined
  readonly expiresAtMs: number | undefined
  readonly enabled: boolean
  readonly revoked: boolean
  /** Epoch ms. */
  readonly createdAt: number
  readonly updatedAt: number
}

export const NANO_USD_PER_USD = 1e9

const KEY_PREFIX = 'sk-sy-'

/** A new key (shown once) and its id. The key is 32 random bytes; nothing about it can be recovered from its id. */
export function generateKey (): { id: string, key: string } {
  return { id: `vk_${randomBytes(8).toString('hex')}`, key: `${KEY_PREFIX}${randomBytes(32).toString('base64url')}` }
}

export function looksLikeVirtualKey (token: string): boolean {
  return token.startsWith(KEY_PREFIX)
}

/** The key as the store keeps it: an HMAC with the install's secret, so a copied table is no list of keys. */
export function hashKey (secret: string, key: string): string {
  return createHmac('sha256', secret).update(key).digest('hex')
}

export function compileKey (id: string, name: string, settings: KeySettings, stamps: { createdAt: number, updatedAt: number, revoked: boolean }): VirtualKey {
  const expiresAtMs = settings.expiresAt === undefined ? undefined : Date.parse(settings.expiresAt)
  return {
    id,
    name,
    settings,
    providers: settings.allowedProviders === undefined ? undefined : new Set(settings.allowedProviders),
    models: settings.allowedModels === undefined ? undefined : compileGlobs(settings.allowedModels),
    windowMs: (settings.windowSeconds ?? 60) * 1000,
    dailyBudgetNanoUsd: settings.budgetDailyUsd === undefined ? undefined : Math.round(settings.budgetDailyUsd * NANO_USD_PER_USD),
    monthlyBudgetNanoUsd: settings.budgetMonthlyUsd === undefined ? undefined : Math.round(settings.budgetMonthlyUsd * NANO_USD_PER_USD),
    expiresAtMs: Number.isNaN(expiresAtMs) ? undefined : expiresAtMs,
    enabled: settings.enabled !== false,
    ...stamps
  }
}

/** A PATCH applied to settings: named fields replaced, `null` ones removed. */
export function patchSettings (settings: KeySettings, patch: PatchKey): KeySettings {
  const next: Record<string, unknown> = { ...settings }
  for (const [field, value] of Object.entries(patch)) {
    if (field === 'name') continue
    if (value === null) delete next[field]
    else next[field] = value
  }
  return next as KeySettings
}
