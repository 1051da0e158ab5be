import fp from 'fastify-plugin'
import { followStore } from './store-poll.ts'
import type { FastifyPluginAsync } from 'fastify'
import { invalidRequest } from '../src/canonical/errors.ts'
import type { ProviderOverride } from '../src/store/store.ts'
import type { DispatchMode } from '../src/config/provider-settings.ts'
import type { SettingsOverride } from './provider-registry.ts'

/** A change asked for through the admin API: a value sets a setting, null returns it to its env value. */
export interface SettingsPatch {
  dispatchMode?: DispatchMode | null
  weight?: number | null
  modelMap?: Record<string, string> | null
}

export interface ProviderOverrides {
  /** Applies a change at once, stores it, and returns the provider's override now in force (or undefined). */
  patch: (provider: string, patch: SettingsPatch) => Promise<SettingsOverride | undefined>
  /** Every setting of the provider back to its env value. */
  clear: (provider: string) => Promise<void>
}

export interface ProviderOverridesOptions {
  /** How often other replicas' changes are read from a shared store; 0 never. */
  pollMs: number
}

declare module 'fastify' {
  interface FastifyInstance {
    providerOverrides: ProviderOverrides
  }
}

/**
 * Provider settings changed at run time (PATCH /providers/:name): kept in the store, applied to the registry and
 * the routing at once, and read back from a shared store every `pollMs`, so that every replica follows a change.
 */
const providerOverrides: FastifyPluginAsync<ProviderOverridesOptions> = async (app, options) => {
  let applied = new Map<string, SettingsOverride>()

  /** Puts `next` in force; a set the routing refuses (two exclusive providers) is undone and refused. */
  function apply (next: Map<string, SettingsOverride>): void {
    const previous = applied
    const names = new Set([...previous.keys(), ...next.keys()])
    for (const name of names) if (app.providers.get(name) !== undefined) app.providers.override(name, next.get(name))
    try {
      app.router.reload()
      applied = next
    } catch (error) {
      for (const name of names) if (app.providers.get(name) !== undefined) app.providers.override(name, previous.get(name))
      app.router.reload()
      throw error
    }
  }

  const fromStored = (rows: readonly ProviderOverride[]): Map<string, SettingsOverride> =>
    new Map(rows.map((row) => [row.provider, withoutNulls({ dispatchMode: row.dispatchMode as DispatchMode | null, weight: row.weight, modelMap: row.modelMap })]))

  async function load (): Promise<void> {
    const stored = fromStored(await app.store.overrides())
    if (JSON.stringify([...stored]) === JSON.stringify([...applied])) return
    try {
      apply(stored)
      app.log.info({ overrides: Object.fromEntries(stored) }, 'provider settings changed at run time are in force')
    } catch (error) {
      app.log.error({ err: error }, 'stored provider settings could not be applied; the env values stay in force')
    }
  }

  app.decorate('providerOverrides', {
    async patch (provider, patch) {
      const next = new Map(applied)
      const merged = withoutNulls({ ...applied.get(provider), ...patch })
      if (Object.keys(merged).length === 0) next.delete(provider)
      else next.set(provider, merged)
      const previous = applied
      try {
        apply(next)
      } catch (error) {
        throw invalidRequest(`This change would leave routing invalid: ${(error as Error).message.replace(/^Invalid configuration: /, '')}`, null, 'invalid_settings')
      }
      try {
        await (next.has(provider)
          ? app.store.setOverride({ provider, dispatchMode: merged.dispatchMode ?? null, weight: merged.weight ?? null, modelMap: merged.modelMap ?? null })
          : app.store.clearOverride(provider))
      } catch (error) {
        // Not stored, so not in force either: a restart or another replica would not know of it.
        apply(previous)
        throw error
      }
      return next.get(provider)
    },
    async clear (provider) {
      const previous = applied
      const next = new Map(applied)
      next.delete(provider)
      apply(next)
      try {
        await app.store.clearOverride(provider)
      } catch (error) {
        apply(previous)
        throw error
      }
    }
  } satisfies ProviderOverrides)

  followStore(app, options.pollMs, 'provider settings', load)
}

function withoutNulls (value: SettingsPatch): SettingsOverride {
  const out: SettingsOverride = {}
  if (value.dispatchMode != null) out.dispatchMode = value.dispatchMode
  if (value.weight != null) out.weight = value.weight
  if (value.modelMap != null) out.modelMap = value.modelMap
  return out
}

export default fp(providerOverrides, { name: 'provider-overrides', fastify: '5.x', dependencies: ['provider-registry', 'routing', 'store'] })
