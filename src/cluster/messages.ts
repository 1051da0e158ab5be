import type { SharedMessage, TakeStep } from '../shared-state/shared-state.ts'

// What the primary and its workers say to each other over the cluster's IPC channel. Every message carries
// `switchyard: true`, so that anything else on the channel is ignored.

export type StateOperation =
  | { op: 'takeAll', steps: TakeStep[] }
  | { op: 'read', keys: string[] }

export type WorkerToPrimary =
  /**
   * The operations one worker asked for in one turn of its event loop, in one message. Adds (settlements) wait
   * for no answer; the primary answers the others in one reply.
   */
  | { switchyard: true, type: 'state', operations: Array<{ id: number, operation: StateOperation }>, adds: Array<{ key: string, amount: number, ttlMs: number }> }
  | { switchyard: true, type: 'publish', message: SharedMessage }
  /** Asks every worker for its share of something (`kind`: its registry, its live stats…). */
  | { switchyard: true, type: 'gather', id: number, kind: string, args: unknown }
  | { switchyard: true, type: 'gather-part', id: number, part: unknown }

export type PrimaryToWorker =
  | { switchyard: true, type: 'state-reply', replies: Array<{ id: number, result?: unknown, error?: string }> }
  | { switchyard: true, type: 'message', message: SharedMessage }
  | { switchyard: true, type: 'gather-collect', id: number, kind: string, args: unknown }
  | { switchyard: true, type: 'gather-reply', id: number, parts: unknown[] }

export function isSwitchyardMessage (value: unknown): value is { switchyard: true, type: string } {
  return typeof value === 'object' && value !== null && (value as { switchyard?: unknown }).switchyard === true
}
