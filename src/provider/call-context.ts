/** What a translator may know about the call: never a key, a clock or a random source of its own. */
export interface CallContext {
  provider: string
  /** The model id sent upstream (prefix stripped, mapped). */
  model: string
  requestId: string
  stream: boolean
  /** Unix seconds, for ids and `created` fields the provider does not give. */
  now: () => number
  /** A fresh id with the given prefix, unique within the gateway process. */
  newId: (prefix: string) => string
  /** Reports something the client is not told but an operator should see (an unknown finish reason). Logged. */
  notice: (message: string, fields: Record<string, unknown>) => void
}
