import { writeFileSync } from 'node:fs'
import { Server } from 'node:http'
import { Socket } from 'node:net'
import { median } from './stats.ts'

// Preloaded (`--import`) into the floor or the gateway by `npm run bench:phases`. For requests served one at a
// time, it times where each one spends the process's own time, from its sockets alone, so that the floor and the
// gateway are timed by the same code:
//   request     the server's `request` event (headers parsed) → the first write to the provider's socket
//   response    the first bytes from the provider → the first write to the client's socket
//   after       that write → the next check phase (the rest of the turn: end of request, hooks, accounting)
//   idle        the check phase → the next request's `request` event (time this process waited for the client)
// The provider's own time, between the two middle marks, is not counted. Every request the process serves is
// timed, warm-up included. On SIGTERM the medians in microseconds go, as JSON, to the file named by
// PHASE_TIMER_FILE.

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000
const phases = { request: [] as number[], response: [] as number[], after: [] as number[], idle: [] as number[] }
let requestAt = 0
let upstreamWrittenAt = 0
let upstreamReadAt = 0
let freeAt = 0

const isClientSocket = (socket: Socket): boolean => (socket as Socket & { server?: unknown }).server != null

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean
const serverEmit = Server.prototype.emit as Emit
Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'request') {
    requestAt = nowUs()
    if (freeAt !== 0) phases.idle.push(requestAt - freeAt)
    upstreamWrittenAt = upstreamReadAt = freeAt = 0
  }
  return serverEmit.call(this, event, ...args)
}

type WriteMethod = (this: Socket, ...args: unknown[]) => unknown
const socketMethods = Socket.prototype as unknown as Record<'_write' | '_writev', WriteMethod>
for (const name of ['_write', '_writev'] as const) {
  const original = socketMethods[name]
  socketMethods[name] = function (this: Socket, ...args: unknown[]): unknown {
    if (requestAt !== 0) {
      const at = nowUs()
      if (!isClientSocket(this) && upstreamWrittenAt === 0) {
        upstreamWrittenAt = at
        phases.request.push(at - requestAt)
      } else if (isClientSocket(this) && upstreamReadAt !== 0 && freeAt === 0 && phases.response.length < phases.request.length) {
        phases.response.push(at - upstreamReadAt)
        setImmediate(() => {
          freeAt = nowUs()
          phases.after.push(freeAt - at)
        })
      }
    }
    return original.apply(this, args)
  }
}

const socketEmit = Socket.prototype.emit as Emit
Socket.prototype.emit = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
  if ((event === 'data' || event === 'readable') && upstreamWrittenAt !== 0 && upstreamReadAt === 0 && !isClientSocket(this)) upstreamReadAt = nowUs()
  return socketEmit.call(this, event, ...args)
}

process.prependListener('SIGTERM', () => {
  const file = process.env.PHASE_TIMER_FILE
  if (file === undefined) return
  writeFileSync(file, JSON.stringify({
    requests: phases.request.length,
    medianUs: Object.fromEntries(Object.entries(phases).map(([name, values]) => [name, median(values)]))
  }))
})
