import { availableParallelism } from 'node:os'

/** `WORKERS`: a count, or `auto` for the cores this process may use; 1 (one process, no cluster) when unset. */
export function workerCount (value: string | undefined): number {
  const text = value?.trim() ?? ''
  if (text === '' || text === '1') return 1
  if (text === 'auto') return availableParallelism()
  if (!/^[1-9][0-9]{0,2}$/.test(text)) throw new Error(`Invalid configuration: WORKERS=${text} must be a whole number from 1 to 999, or auto`)
  return Number(text)
}
