import type { StoreSettings } from './sql-store.ts'
import type { StoreLocation } from './location.ts'
import { createMemoryStore } from './memory-store.ts'
import type { Store } from './store.ts'

export type { StoreSettings } from './sql-store.ts'
export { parseStoreUrl, type StoreLocation } from './location.ts'

/**
 * Opens the store STORE_URL names, creating its file and running its migrations. The SQL side (Kysely, the SQLite
 * addon, pg) is loaded only for a SQL store: a memory store's process does not carry it.
 */
export async function openStore (location: StoreLocation, settings: StoreSettings): Promise<Store> {
  if (location.kind === 'memory') return createMemoryStore()
  const { openSqlStore } = await import('./open-sql-store.ts')
  return await openSqlStore(location, settings)
}
