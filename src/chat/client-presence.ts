import type { ServerResponse } from 'node:http'

/**
 * Tells a provider call when its client has gone away. One per request on the hot path, so it is a plain object
 * with one listener slot instead of an AbortController (whose EventTarget costs several microseconds).
 */
export interface ClientPresence {
  readonly gone: boolean
  /** Calls `listener` once if the client leaves; returns the function that stops listening. */
  onGone: (listener: () => void) => () => void
}

export function watchClient (response: ServerResponse, onLeave?: () => void): ClientPresence {
  let gone = false
  let listener: (() => void) | undefined
  response.once('close', () => {
    if (response.writableFinished) return
    gone = true
    onLeave?.()
    listener?.()
  })
  return {
    get gone () { return gone },
    onGone (next) {
      listener = next
      return () => { if (listener === next) listener = undefined }
    }
  }
}
