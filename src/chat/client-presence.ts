import type { ServerResponse } from 'node:http'
import { clientClosed, type GatewayError } from '../errors.ts'

/**
 * Tells a provider call when its request is over before the answer is: the client went away, or the gateway
 * itself ends the request (shutting down). One per request on the hot path, so it is a plain object with one
 * listener slot instead of an AbortController (whose EventTarget costs several microseconds).
 */
export interface ClientPresence {
  readonly gone: boolean
  /** Why the gateway ended the request itself, once it has. */
  readonly endedBy: GatewayError | undefined
  /** Calls `listener` once, with the reason, if the request ends early; returns the function that stops listening. */
  onGone: (listener: (reason: GatewayError) => void) => () => void
}

/** The requests in flight, so that a shutdown whose grace period is over can end each one cleanly. */
export interface InFlightRequests {
  readonly size: number
  /** Aborts every request's provider call with `reason`; each client gets it as an error (or error event). */
  endAll: (reason: GatewayError) => void
}

export interface InFlightRegistry extends InFlightRequests {
  add: (end: (reason: GatewayError) => void) => void
  delete: (end: (reason: GatewayError) => void) => void
}

export function createInFlightRegistry (): InFlightRegistry {
  const live = new Set<(reason: GatewayError) => void>()
  return {
    get size () { return live.size },
    add: (end) => { live.add(end) },
    delete: (end) => { live.delete(end) },
    endAll (reason) {
      for (const end of [...live]) end(reason)
    }
  }
}

export function watchClient (response: ServerResponse, onLeave?: () => void, inFlight?: InFlightRegistry): ClientPresence {
  let gone = false
  let endedBy: GatewayError | undefined
  let listener: ((reason: GatewayError) => void) | undefined
  const end = (reason: GatewayError): void => {
    endedBy = reason
    listener?.(reason)
  }
  inFlight?.add(end)
  // A response closes once; `on` spares the wrapper `once` allocates on every request.
  response.on('close', () => {
    inFlight?.delete(end)
    if (response.writableFinished) return
    gone = true
    onLeave?.()
    listener?.(clientClosed())
  })
  return {
    get gone () { return gone },
    get endedBy () { return endedBy },
    onGone (next) {
      listener = next
      return () => { if (listener === next) listener = undefined }
    }
  }
}
