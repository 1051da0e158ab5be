import fp from 'fastify-plugin'
import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { notFound } from '../src/canonical/errors.ts'
import { createKeyDirectory, type KeyDirectory } from '../src/governance/key-directory.ts'
import { generateKey, patchSettings, type CreateKey, type KeySettings, type PatchKey, type VirtualKey } from '../src/governance/virtual-key.ts'
import type { StoredKey } from '../src/store/store.ts'

export interface VirtualKeysOptions {
  /** KEY_HASH_SECRET; without it, a secret made at first start and kept in the store. */
  hashSecret: string | undefined
  /** How often keys changed on other replicas are read from a shared store; 0 never. */
  pollMs: number
}

export interface VirtualKeys {
  /** Makes a key: the key itself is in the answer and nowhere else, ever. */
  create: (input: CreateKey) => Promise<{ key: VirtualKey, secret: string }>
  update: (id: string, patch: PatchKey) => Promise<VirtualKey>
  /** Revoked keys are refused at once here and within one poll on every other replica. */
  revoke: (id: string) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    keyDirectory: KeyDirectory
    virtualKeys: VirtualKeys
  }
}

// A poll reads keys changed a little before its last look too: replicas' clocks differ, and a write can land late.
const POLL_OVERLAP_MS = 5_000

/**
 * Decorates `keyDirectory` (the virtual keys by hash, for auth) and `virtualKeys` (making, changing and revoking
 * them). Keys live in the store, hashed with the install's secret; a shared store is polled so that every replica
 * knows every key.
 */
const virtualKeysPlugin: FastifyPluginAsync<VirtualKeysOptions> = async (app, options) => {
  const secret = options.hashSecret ?? await app.store.installSecret(randomBytes(32).toString('base64url'))
  const directory = createKeyDirectory(secret)
  const stored = new Map<string, StoredKey>()
  const take = (keys: readonly StoredKey[]): void => {
    for (const key of keys) stored.set(key.id, key)
    directory.apply(keys)
  }
  take(await app.store.keys())

  async function put (key: StoredKey): Promise<VirtualKey> {
    await app.store.putKey(key)
    take([key])
    return directory.byId(key.id) as VirtualKey
  }

  function existing (id: string): StoredKey {
    const key = stored.get(id)
    if (key === undefined || key.revokedAt !== null) throw notFound(`No virtual key has the id '${id}'.`, 'key_not_found')
    return key
  }

  app.decorate('keyDirectory', directory)
  app.decorate('virtualKeys', {
    async create ({ name, ...settings }) {
      const { id, key } = generateKey()
      const now = Date.now()
      return { key: await put({ id, keyHash: directory.hash(key), name, spec: JSON.stringify(settings), createdAt: now, updatedAt: now, revokedAt: null }), secret: key }
    },
    async update (id, patch) {
      const key = existing(id)
      const settings = patchSettings(JSON.parse(key.spec) as KeySettings, patch)
      return await put({ ...key, name: patch.name ?? key.name, spec: JSON.stringify(settings), updatedAt: Math.max(Date.now(), key.updatedAt + 1) })
    },
    async revoke (id) {
      const key = existing(id)
      const now = Math.max(Date.now(), key.updatedAt + 1)
      await put({ ...key, updatedAt: now, revokedAt: now })
    }
  } satisfies VirtualKeys)

  if (options.pollMs > 0 && app.store.kind !== 'memory') {
    let lastLook = Date.now()
    let polling = false
    let failing = false
    const poller = setInterval(() => {
      if (polling) return
      polling = true
      const lookingAt = Date.now()
      // A failed look is made again from the same point, however long the store is away.
      app.store.keys(lastLook - POLL_OVERLAP_MS).then((keys) => {
        take(keys)
        lastLook = lookingAt
        if (failing) app.log.info('virtual keys: reading changes from the store again')
        failing = false
      }, (error: unknown) => {
        if (!failing) app.log.warn({ err: error }, 'virtual keys: reading changes from the store fails; tried again at every poll, logged once')
        failing = true
      }).finally(() => { polling = false })
    }, options.pollMs)
    poller.unref()
    app.addHook('onClose', async () => { clearInterval(poller) })
  }
}

export default fp(virtualKeysPlugin, { name: 'virtual-keys', fastify: '5.x', dependencies: ['store'] })
