/**
 * The abort an upstream call needs, in the EventTarget shape undici accepts as a request's `signal`. An
 * AbortController builds a full EventTarget and AbortSignal for every call, a cost on every request; undici
 * adds one listener per request and reads `aborted` and `reason`, which is all this provides.
 */
export class CallAbort {
  aborted = false
  reason: unknown = undefined
  private listener: (() => void) | undefined

  addEventListener (_type: 'abort', listener: () => void): void {
    this.listener = listener
  }

  removeEventListener (_type: 'abort', listener: () => void): void {
    if (this.listener === listener) this.listener = undefined
  }

  abort (reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listener = this.listener
    this.listener = undefined
    listener?.()
  }
}
