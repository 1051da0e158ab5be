/**
 * The abort an upstream call needs, in the EventTarget shape of an AbortSignal. An AbortController builds a
 * full EventTarget and AbortSignal for every call, a cost on every request; the call's handler
 * (`AnswerHandler` in `src/call/upstream-client.ts`) adds one listener and reads `aborted` and `reason`, which is all this
 * provides.
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
