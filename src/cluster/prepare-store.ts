import { openStore, parseStoreUrl } from '../store/open-store.ts'

const DEFAULT_STORE_URL = 'sqlite:./data/switchyard.db'

/**
 * Before workers start: the store they will share is opened once, so that its migrations run here and not in N
 * processes at once. A memory store cannot be shared, and is refused.
 */
export async function prepareSharedStore (url: string | undefined): Promise<void> {
  const location = parseStoreUrl(url === undefined || url.trim() === '' ? DEFAULT_STORE_URL : url)
  if (location.kind === 'memory') {
    throw new Error('Invalid configuration: WORKERS > 1 needs a store every worker shares (SQLite, the default, or Postgres), not STORE_URL=memory')
  }
  const store = await openStore(location, { batchSize: 1, intervalMs: 60_000, maxQueued: 1, onTrouble: () => {}, onRecovered: () => {} })
  await store.close()
}
