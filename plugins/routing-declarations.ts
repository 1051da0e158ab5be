import fp from 'fastify-plugin'
import { followStore } from './store-poll.ts'
import type { FastifyPluginAsync } from 'fastify'
import { Value } from '@sinclair/typebox/value'
import { GatewayError, invalidRequest } from '../src/canonical/errors.ts'
import { GroupSchema, type GroupDeclaration } from '../src/model-groups/group-file.ts'
import { ExperimentSchema, experimentOf, type ExperimentDeclaration } from '../src/experiments/experiment-file.ts'
import type { RoutingDeclaration } from '../src/store/store.ts'
import type { RuntimeDeclarations } from './routing/index.ts'

export interface RoutingDeclarations {
  /** Declares (or replaces) a model group through the admin API: in force at once, and stored. */
  putGroup: (name: string, declaration: GroupDeclaration) => Promise<void>
  /** False when no group of this name was declared through the API. */
  deleteGroup: (name: string) => Promise<boolean>
  putExperiment: (name: string, declaration: ExperimentDeclaration) => Promise<void>
  deleteExperiment: (name: string) => Promise<boolean>
  /** The declaration as it was given, for a group or experiment declared through the API. */
  declarationOf: (kind: RoutingDeclaration['kind'], name: string) => GroupDeclaration | ExperimentDeclaration | undefined
}

export interface RoutingDeclarationsOptions {
  /** How often other replicas' changes are read from a shared store; 0 never. */
  pollMs: number
}

declare module 'fastify' {
  interface FastifyInstance {
    routingDeclarations: RoutingDeclarations
  }
}

interface Declared {
  groups: Map<string, GroupDeclaration>
  experiments: Map<string, ExperimentDeclaration>
}

/**
 * Model groups and A/B experiments declared through the admin API (docs/api.md, Groups and experiments): kept in
 * the store, put in force in the routing at once, and read back every `pollMs` from a shared store, so that every
 * replica follows. A name a file declares is the file's: the API does not declare it again.
 */
const routingDeclarations: FastifyPluginAsync<RoutingDeclarationsOptions> = async (app, options) => {
  let applied: Declared = { groups: new Map(), experiments: new Map() }
  let appliedText = '[]'

  const toRuntime = (declared: Declared): RuntimeDeclarations => ({
    groups: Object.fromEntries(declared.groups),
    experiments: [...declared.experiments].map(([name, declaration]) => experimentOf(name, declaration))
  })

  function apply (next: Declared): void {
    app.router.declare(toRuntime(next))
    applied = next
    appliedText = textOf(next)
  }

  async function load (): Promise<void> {
    const rows = await app.store.declarations()
    const next: Declared = { groups: new Map(), experiments: new Map() }
    for (const row of rows) {
      let spec: unknown
      try {
        spec = JSON.parse(row.spec)
      } catch {
        spec = undefined
      }
      // A name a file came to declare since is the file's.
      if (app.router.sourceOf(row.kind, row.name) === 'file') continue
      if (row.kind === 'group' && Value.Check(GroupSchema, spec)) next.groups.set(row.name, spec)
      else if (row.kind === 'experiment' && Value.Check(ExperimentSchema, spec)) next.experiments.set(row.name, spec)
      else app.log.warn({ kind: row.kind, name: row.name }, 'a stored routing declaration is not valid and is left out')
    }
    if (textOf(next) === appliedText) return
    try {
      apply(next)
      app.log.info({ groups: [...next.groups.keys()], experiments: [...next.experiments.keys()] }, 'model groups and experiments declared through the admin API are in force')
    } catch (error) {
      app.log.error({ err: error }, 'stored model groups and experiments could not be put in force; the previous ones stay')
    }
  }

  /** Puts `next` in force, then stores the change; either failing leaves the previous set in force. */
  async function change (next: Declared, store: () => Promise<void>): Promise<void> {
    const previous = applied
    try {
      apply(next)
    } catch (error) {
      throw invalidRequest(`This declaration would leave routing invalid: ${(error as Error).message.replace(/^Invalid configuration: /, '')}`, null, 'invalid_declaration')
    }
    try {
      await store()
    } catch (error) {
      apply(previous)
      throw error
    }
  }

  const notInFile = (kind: RoutingDeclaration['kind'], name: string): void => {
    if (app.router.sourceOf(kind, name) === 'file') {
      const file = kind === 'group' ? 'MODEL_GROUPS_FILE' : 'EXPERIMENTS_FILE'
      throw new GatewayError('invalid_request', 409, `The ${kind} '${name}' is declared in ${file}; change it there.`, { code: 'declared_in_file' })
    }
  }

  app.decorate('routingDeclarations', {
    async putGroup (name, declaration) {
      notInFile('group', name)
      const next = { ...applied, groups: new Map(applied.groups).set(name, declaration) }
      await change(next, async () => { await app.store.putDeclaration({ kind: 'group', name, spec: JSON.stringify(declaration) }) })
    },
    async deleteGroup (name) {
      notInFile('group', name)
      if (!applied.groups.has(name)) return false
      const groups = new Map(applied.groups)
      groups.delete(name)
      await change({ ...applied, groups }, async () => { await app.store.deleteDeclaration('group', name) })
      return true
    },
    async putExperiment (name, declaration) {
      notInFile('experiment', name)
      const next = { ...applied, experiments: new Map(applied.experiments).set(name, declaration) }
      await change(next, async () => { await app.store.putDeclaration({ kind: 'experiment', name, spec: JSON.stringify(declaration) }) })
    },
    async deleteExperiment (name) {
      notInFile('experiment', name)
      if (!applied.experiments.has(name)) return false
      const experiments = new Map(applied.experiments)
      experiments.delete(name)
      await change({ ...applied, experiments }, async () => { await app.store.deleteDeclaration('experiment', name) })
      return true
    },
    declarationOf: (kind, name) => kind === 'group' ? applied.groups.get(name) : applied.experiments.get(name)
  } satisfies RoutingDeclarations)

  followStore(app, options.pollMs, 'routing declarations', load)
}

function textOf (declared: Declared): string {
  return JSON.stringify([[...declared.groups].sort(), [...declared.experiments].sort()])
}

export default fp(routingDeclarations, { name: 'routing-declarations', fastify: '5.x', dependencies: ['routing', 'store'] })
