import type { StoredKey } from '../store/store.ts'
import { compileKey, hashKey, looksLikeVirtualKey, type KeySettings, type VirtualKey } from './virtual-key.ts'

export interface KeyDirectory {
  /** The virtual key a presented token is, revoked, disabled and expired ones included (the caller says why). */
  find: (token: string) => VirtualKey | undefined
  byId: (id: string) => VirtualKey | undefined
  all: () => VirtualKey[]
  /**
   * Keys ever made, revoked ones included: once there is one, a client must present a key. Revoking the last key
   * does not open the gateway to everyone.
   */
  size: () => number
  /** Takes keys read from the store (all, or those changed since the last look). */
  apply: (keys: readonly StoredKey[]) => void
  hash: (token: string) => string
}

/**
 * The virtual keys this process knows, by hash: a lookup per request is one HMAC and one Map read. Filled from the
 * store at start and kept current by polling it, so a key made or revoked on one replica reaches every other.
 */
export function createKeyDirectory (secret: string): KeyDirectory {
  const byHash = new Map<string, VirtualKey>()
  const byId = new Map<string, { hash: string, key: VirtualKey }>()

  return {
    find (token) {
      if (!looksLikeVirtualKey(token) || byHash.size === 0) return undefined
      return byHash.get(hashKey(secret, token))
    },
    byId: (id) => byId.get(id)?.key,
    all: () => [...byId.values()].map((entry) => entry.key),
    size: () => byId.size,
    apply (keys) {
      for (const stored of keys) {
        const previous = byId.get(stored.id)
        if (previous !== undefined) byHash.delete(previous.hash)
        const key = compileKey(stored.id, stored.name, JSON.parse(stored.spec) as KeySettings,
          { createdAt: stored.createdAt, updatedAt: stored.updatedAt, revoked: stored.revokedAt !== null })
        byHash.set(stored.keyHash, key)
        byId.set(stored.id, { hash: stored.keyHash, key })
      }
    },
    hash: (token) => hashKey(secret, token)
  }
}
