/**
 * What a route does with a provider, declared in its `config` by the ingress that owns it, so that the hooks
 * which shed load or limit clients pick their routes by what they are rather than by their URLs.
 * `generate` asks a model for an answer; `count` only has a prompt's tokens counted.
 */
export type ModelRouteKind = 'generate' | 'count'

declare module 'fastify' {
  interface FastifyContextConfig {
    modelRoute?: ModelRouteKind
  }
}

export const GENERATE = { modelRoute: 'generate' } as const
export const COUNT = { modelRoute: 'count' } as const
