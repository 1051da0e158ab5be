import { writeFileSync } from 'node:fs'
import { Server } from 'node:http'
import { Socket } from 'node:net'
import { monotonicUs, type ServedMarks } from './request-timeline.ts'

// Preloaded (`--import`) into the floor, the gateway and the simulator by `npm run bench:phases`. For requests
// served one at a time, it notes from the process's own sockets when each request reaches each point, so that
// every process is timed by the same code:
//   request          the server's `request` event (headers parsed)
//   upstreamWritten  the first write to a socket this process opened (the provider's)
//   upstreamRead     the first bytes back on that socket
//   clientWritten    the first write to the client's socket
//   free             the next check phase after that write (the rest of the turn: end of request, hooks, accounting)
// Every request the process serves is noted, warm-up included. On SIGTERM the marks go, as JSON, to the file
// named by PHASE_TIMER_FILE.

const marks: ServedMarks[] = []
let current: ServedMarks | undefined

const isClientSocket = (socket: Socket): boolean => (socket as Socket & { server?: unknown }).server != null

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean
const serverEmit = Server.prototype.emit as Emit
Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'request') {
    current = [monotonicUs(), 0, 0, 0, 0]
    marks.push(current)
  }
  return serverEmit.call(this, event, ...args)
}

type WriteMethod = (this: Socket, ...args: unknown[]) => unknown
const socketMethods = Socket.prototype as unknown as Record<'_write' | '_writev', WriteMethod>
for (const name of ['_write', '_writev'] as const) {
  const original = socketMethods[name]
  socketMethods[name] = function (this: Socket, ...args: unknown[]): unknown {
    const served = current
    if (served !== undefined) {
      if (!isClientSocket(this)) {
        if (served[1] === 0) served[1] = monotonicUs()
      } else if (served[3] === 0) {
        served[3] = monotonicUs()
        setImmediate(() => { served[4] = monotonicUs() })
      }
    }
    return original.apply(this, args)
  }
}

const socketEmit = Socket.prototype.emit as Emit
Socket.prototype.emit = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
  const served = current
  if ((event === 'data' || event === 'readable') && served !== undefined && served[1] !== 0 && served[2] === 0 && !isClientSocket(this)) served[2] = monotonicUs()
  return socketEmit.call(this, event, ...args)
}

process.prependListener('SIGTERM', () => {
  const file = process.env.PHASE_TIMER_FILE
  if (file !== undefined) writeFileSync(file, JSON.stringify(marks))
})
