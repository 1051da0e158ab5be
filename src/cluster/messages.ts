import type { SharedMessage } from '../shared-state/shared-state.ts'

// What the primary and its workers say to each other over the cluster's IPC channel. Every message carries
// `switchyard: true`, so that anything else on the channel is ignored.

export type StateOperation =
  | { op: 'take', key: string, amount: number, limit: number, ttlMs: number }
  | { op: 'add', key: string, amount: number, ttlMs: number }
  | { op: 'read', keys: string[] }

export type WorkerToPrimary =
  | { switchyard: true, type: 'state', id: number, operation: StateOperation }
  | { switchyard: true, type: 'publish', message: SharedMessage }
  | { switchyard: true, type: 'metrics', id: number }
  | { switchyard: true, type: 'metrics-part', id: number, metrics: unknown[] }

export type PrimaryToWorker =
  | { switchyard: true, type: 'state-reply', id: number, result?: unknown, error?: string }
  | { switchyard: true, type: 'message', message: SharedMessage }
  | { switchyard: true, type: 'metrics-collect', id: number }
  | { switchyard: true, type: 'metrics-reply', id: number, text?: string, error?: string }

export function isSwitchyardMessage (value: unknown): value is { switchyard: true, type: string } {
  return typeof value === 'object' && value !== null && (value as { switchyard?: unknown }).switchyard === true
}
