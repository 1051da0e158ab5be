import type { ChatRequest } from '../canonical/chat-request.ts'
import type { FinishReason } from '../canonical/finish-reason.ts'
import type { ChoiceLogprobs } from '../canonical/logprobs.ts'
import type { WireUsage } from './wire.ts'

/** What a provider's own fields of an answer or a stream chunk say, beyond OpenAI's. */
export interface VendorFields {
  /** Usage reported somewhere other than `usage`; `usage` wins when both are there. */
  usage?: WireUsage
  /** A failure reported in-band: the stream or answer ends with it. */
  error?: string
}

/**
 * How one OpenAI-shaped provider differs from OpenAI itself (see shared wire notes). A provider declares only
 * this; the translators in this folder do the rest.
 */
export interface OpenAICompatibleDialect {
  /** Name used in error messages. */
  displayName: string
  /** Top-level request fields sent upstream. `all` forwards every field the client sent (OpenAI itself). */
  forwardedParams: 'all' | ReadonlySet<string>
  /** Client field -> provider field, e.g. Mistral `seed` -> `random_seed`. Applied before forwarding. */
  renamedParams?: Readonly<Record<string, string>>
  /** `request`: ask with `stream_options.include_usage`; `always`: the provider streams usage unasked. */
  streamUsage: 'request' | 'always'
  /** Largest `n` the provider accepts; more is a 400 here instead of a provider error. */
  maxChoices?: number
  /** Send only OpenAI-defined message keys (strict providers reject others), developer -> system. */
  strictMessages: boolean
  /** Roles whose content must be a plain string (text parts are joined). */
  stringContentRoles?: ReadonlySet<string>
  /** Rewrites tool call ids the provider would reject (Mistral: exactly 9 alphanumerics). */
  toolCallId?: (id: string) => string
  /** Provider finish reasons beyond OpenAI's five. `error` means the generation failed. */
  finishReasons?: Readonly<Record<string, FinishReason | 'error'>>
  /** Keep fields the canonical schema does not name (OpenAI's own responses pass through whole). */
  keepUnknownResponseFields: boolean
  /**
   * For a provider whose log probabilities have a shape of their own (Together): a choice's, in OpenAI's shape.
   * Without it, they pass as sent.
   */
  logprobs?: {
    /** From a whole answer's choice. */
    answer: (choice: { logprobs?: unknown }) => ChoiceLogprobs | null
    /** From a stream chunk's choice; `text` is what the chunk's delta says. */
    chunk: (choice: { logprobs?: unknown, top_logprobs?: unknown }, text: string) => ChoiceLogprobs | null
  }
  /**
   * Reads the provider's own fields of a whole answer or a stream chunk (Groq's `x_groq`), which the shared
   * translators do not know. Called once per answer and per chunk; undefined when there is nothing to say.
   */
  vendorFields?: (wire: Readonly<Record<string, unknown>>) => VendorFields | undefined
  /** Statuses of the provider's own that clients do not know, and the standard ones they are told (498 -> 503). */
  statuses?: Readonly<Record<number, number>>
  /** Last adjustments to the wire body, for what a table cannot say. */
  adjustBody?: (body: Record<string, unknown>, request: ChatRequest) => void
}
