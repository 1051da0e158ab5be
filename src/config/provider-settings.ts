import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Env } from './config.ts'

// Per-provider settings (contract §2): every provider, built-in or dropped in, gets the same env keys under
// its upper-cased name. They are validated when the provider registers, so a bad value names its variable.

export const DISPATCH_MODES = ['off', 'exclusive', 'pooled', 'fallback'] as const

export const DispatchModeSchema = Type.Union(DISPATCH_MODES.map((mode) => Type.Literal(mode)))
export type DispatchMode = Static<typeof DispatchModeSchema>

export const ProviderSettingsSchema = Type.Object({
  apiKey: Type.Optional(Type.String({ minLength: 1 })),
  baseUrl: Type.String({ pattern: '^https?://[^\\s]+$' }),
  dispatchMode: DispatchModeSchema,
  weight: Type.Number({ minimum: 0 }),
  defaultModel: Type.String({ minLength: 1 }),
  modelMap: Type.Record(Type.String(), Type.String())
})

export type ProviderSettings = Static<typeof ProviderSettingsSchema>

export class ConfigurationError extends Error {
  override name = 'ConfigurationError'
}

export function envPrefix (providerName: string): string {
  return providerName.toUpperCase().replace(/-/g, '_')
}

const ENV_FIELDS = {
  apiKey: 'API_KEY',
  baseUrl: 'BASE_URL',
  dispatchMode: 'DISPATCH_MODE',
  weight: 'WEIGHT',
  defaultModel: 'DEFAULT_MODEL',
  modelMap: 'MODEL_MAP'
} as const satisfies Record<keyof ProviderSettings, string>

const ACCEPTS: Record<keyof ProviderSettings, string> = {
  apiKey: 'a non-empty key',
  baseUrl: 'an http(s) URL',
  dispatchMode: `one of ${DISPATCH_MODES.join(', ')}`,
  weight: 'a number >= 0',
  defaultModel: 'a model id',
  modelMap: '`from=to,from2=to2` or a JSON object of strings'
}

export function resolveProviderSettings (
  providerName: string,
  defaults: { baseUrl: string, defaultModel: string },
  env: Env
): ProviderSettings {
  const prefix = envPrefix(providerName)
  const read = (field: keyof ProviderSettings): string | undefined => {
    const value = env[`${prefix}_${ENV_FIELDS[field]}`]
    return value === undefined || value.trim() === '' ? undefined : value.trim()
  }
  const fail = (field: keyof ProviderSettings, detail?: string): never => {
    throw new ConfigurationError(
      `Invalid configuration: ${prefix}_${ENV_FIELDS[field]} must be ${ACCEPTS[field]}${detail === undefined ? '' : ` (${detail})`}`)
  }

  const weightText = read('weight')
  const candidate = {
    apiKey: read('apiKey'),
    baseUrl: (read('baseUrl') ?? defaults.baseUrl).replace(/\/+$/, ''),
    dispatchMode: read('dispatchMode')?.toLowerCase() ?? 'fallback',
    weight: weightText === undefined ? 1 : (/^\d+(\.\d+)?$/.test(weightText) ? Number(weightText) : Number.NaN),
    defaultModel: read('defaultModel') ?? defaults.defaultModel,
    modelMap: parseModelMap(read('modelMap'), () => fail('modelMap'))
  }
  if (candidate.apiKey === undefined) delete candidate.apiKey
  const firstError = Value.Errors(ProviderSettingsSchema, candidate).First()
  if (firstError !== undefined) {
    const field = firstError.path.split('/')[1] as keyof ProviderSettings
    fail(field)
  }
  return candidate as ProviderSettings
}

/** A table looked up by client-sent model names, so it has no prototype: `constructor` must not be found in it. */
function parseModelMap (text: string | undefined, fail: () => never): Record<string, string> {
  const map: Record<string, string> = Object.create(null) as Record<string, string>
  if (text === undefined) return map
  if (text.startsWith('{')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return fail()
    }
    if (!Value.Check(Type.Record(Type.String(), Type.String({ minLength: 1 })), parsed)) return fail()
    return Object.assign(map, parsed)
  }
  for (const pair of text.split(',')) {
    const [from, to, extra] = pair.split('=').map((part) => part.trim())
    if (from === undefined || from === '' || to === undefined || to === '' || extra !== undefined) return fail()
    map[from] = to
  }
  return map
}
