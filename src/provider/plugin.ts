import fp from 'fastify-plugin'
import type { FastifyPluginAsync } from 'fastify'
import type { ProviderDefinition } from './contract.ts'

/**
 * The whole of a provider's `index.ts`: a fastify-plugin named `provider-<name>` that adds its definition to
 * the registry and nothing else (no routes, hooks or decorators).
 */
export function createProviderPlugin (definition: ProviderDefinition): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    app.providers.add(definition)
  }
  return fp(plugin, { name: `provider-${definition.name}`, fastify: '5.x', dependencies: ['provider-registry'] })
}
