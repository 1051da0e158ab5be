import type { AdmissionQueue, Priority, Waiter } from './admission-queue.ts'
import type { ProviderLimiter } from './provider-limiter.ts'

/** What the router consults before each attempt (plugins/provider-limits): each provider's limiter, and the queue. */
export interface Admission {
  limiterOf: (provider: string) => ProviderLimiter | undefined
  queue: AdmissionQueue
}

// Without `max_tokens` and without an output limit in the catalog, a request is counted as this many output tokens
// until its usage corrects it.
const UNKNOWN_OUTPUT_TOKENS = 4_096
// The usual English ratio; the estimate is corrected by the answer's usage.
const CHARS_PER_TOKEN = 4

/** Tokens counted at admission: the prompt's estimate plus what the answer may use (docs/routing.md, Admission). */
export function admissionTokens (promptChars: number, maxTokens: number | undefined, modelOutputLimit: number | undefined): number {
  return Math.ceil(promptChars / CHARS_PER_TOKEN) + (maxTokens ?? modelOutputLimit ?? UNKNOWN_OUTPUT_TOKENS)
}

export const DEFAULT_WAITER: Waiter = { key: 'anonymous', priority: 'normal' }

/** Says who a request is, should it wait in the queue: asked only then, since naming its key costs a hash. */
export interface QueueIdentity {
  queueWaiter: () => Waiter
}

declare module 'fastify' {
  interface FastifyRequest extends Partial<QueueIdentity> {
    /** `x-switchyard-priority`, checked by plugins/provider-limits; `normal` when the header is absent. */
    queuePriority: Priority
  }
}
