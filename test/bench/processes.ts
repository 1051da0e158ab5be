import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

export interface BenchProcess {
  name: string
  pid: number
  child: ChildProcess
  stop: () => Promise<void>
}

/**
 * Starts `node <args>` with `env`, its stderr passed through so failures are visible. Its stdout is read by
 * `firstLine` when it `announces` its address there, and otherwise discarded as it comes: a pipe nobody reads
 * fills, and pino then holds every later log line in the process's memory, which a soak would count as a leak.
 */
export function startNode (name: string, args: string[], env: Record<string, string>, cwd?: string, options: { announces?: boolean } = {}): BenchProcess {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], ...(cwd === undefined ? {} : { cwd }) })
  if (child.pid === undefined) throw new Error(`${name} did not start`)
  if (options.announces !== true) child.stdout?.resume()
  return {
    name,
    pid: child.pid,
    child,
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const exited = once(child, 'exit')
      const timeout = sleep(5000).then(() => { child.kill('SIGKILL') })
      await Promise.race([exited, timeout])
    }
  }
}

/** The first line a process prints, parsed as JSON. */
export async function firstLine<T> (process: BenchProcess): Promise<T> {
  let buffer = ''
  for await (const chunk of process.child.stdout ?? []) {
    buffer += String(chunk)
    const newline = buffer.indexOf('\n')
    if (newline >= 0) return JSON.parse(buffer.slice(0, newline)) as T
  }
  throw new Error(`${process.name} exited before printing its address`)
}

export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export async function waitForPort (port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => { resolve(false) })
    })
    if (ok) return
    await sleep(50)
  }
  throw new Error(`nothing listened on ${port} within ${timeoutMs} ms`)
}

const CLOCK_TICKS_PER_SECOND = 100

/** CPU time (user + system) a process has used, in microseconds, from /proc (Linux). */
export async function cpuMicros (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND) * 1e6
}

/** CPU of a process and of its child processes (a cluster primary and its workers), from /proc (Linux). */
export async function treeCpuMicros (pid: number): Promise<number> {
  const tasks = await readdir(`/proc/${pid}/task`)
  const children = (await Promise.all(tasks.map(async (task) => await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => ''))))
    .join(' ').split(' ').filter((child) => child !== '').map(Number)
  const own = await cpuMicros(pid)
  const theirs = await Promise.all(children.map(async (child) => await cpuMicros(child).catch(() => 0)))
  return theirs.reduce((sum, micros) => sum + micros, own)
}

/** Resident set size in bytes, from /proc (Linux). */
export async function rssBytes (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const match = /VmRSS:\s+(\d+) kB/.exec(status)
  return match === null ? 0 : Number(match[1]) * 1024
}
