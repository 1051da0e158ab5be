import { Type, type Static } from '@sinclair/typebox'
import { readSettingFile } from '../config/setting-file.ts'
import { ConfigurationError, envPrefix } from '../config/provider-settings.ts'
import type { Env } from '../config/config.ts'

export const LimitsSchema = Type.Object({
  requestsPerMinute: Type.Optional(Type.Integer({ minimum: 1 })),
  tokensPerMinute: Type.Optional(Type.Integer({ minimum: 1 })),
  maxConcurrency: Type.Optional(Type.Integer({ minimum: 1 }))
}, { additionalProperties: false })

/** `PROVIDER_LIMITS_FILE`: per provider, its account's limits and, under `models`, a model's own. */
export const ProviderLimitsFileSchema = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Type.Object({
  requestsPerMinute: Type.Optional(Type.Integer({ minimum: 1 })),
  tokensPerMinute: Type.Optional(Type.Integer({ minimum: 1 })),
  maxConcurrency: Type.Optional(Type.Integer({ minimum: 1 })),
  models: Type.Optional(Type.Record(Type.String({ minLength: 1 }), LimitsSchema))
}, { additionalProperties: false }))

export type Limits = Static<typeof LimitsSchema>
export type ProviderLimitsFile = Static<typeof ProviderLimitsFileSchema>

/** One provider's declared limits: for the whole account, and for single models (by the model sent upstream). */
export interface DeclaredLimits {
  provider: Limits
  models: ReadonlyMap<string, Limits>
}

const ENV_NAMES = { requestsPerMinute: 'RPM', tokensPerMinute: 'TPM', maxConcurrency: 'MAX_CONCURRENCY' } as const

/** The file, checked once: every provider it names must be installed. */
export async function loadProviderLimitsFile (file: string | undefined, knownProviders: readonly string[]): Promise<ProviderLimitsFile> {
  if (file === undefined) return {}
  const limits = await readSettingFile('PROVIDER_LIMITS_FILE', file, ProviderLimitsFileSchema)
  for (const name of Object.keys(limits)) {
    if (!knownProviders.includes(name)) throw new ConfigurationError(`Invalid configuration: PROVIDER_LIMITS_FILE names '${name}', which is not an installed provider (installed: ${knownProviders.join(', ')})`)
  }
  return limits
}

/**
 * A provider's limits: `<P>_RPM`, `<P>_TPM` and `<P>_MAX_CONCURRENCY` from the environment, over the file's
 * provider entry; model entries come from the file only. Undefined when nothing is declared.
 */
export function declaredLimitsOf (provider: string, env: Env, file: ProviderLimitsFile): DeclaredLimits | undefined {
  const entry = file[provider]
  const limits: Limits = {}
  for (const field of Object.keys(ENV_NAMES) as Array<keyof Limits>) {
    const name = `${envPrefix(provider)}_${ENV_NAMES[field]}`
    const text = env[name]?.trim()
    if (text !== undefined && text !== '') {
      if (!/^[1-9]\d{0,9}$/.test(text)) throw new ConfigurationError(`Invalid configuration: ${name} must be a whole number >= 1 (got '${text}')`)
      limits[field] = Number(text)
    } else if (entry?.[field] !== undefined) {
      limits[field] = entry[field]
    }
  }
  const models = new Map(Object.entries(entry?.models ?? {}).filter(([, model]) => Object.keys(model).length > 0))
  if (Object.keys(limits).length === 0 && models.size === 0) return undefined
  return { provider: limits, models }
}
