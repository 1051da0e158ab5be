import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'

/**
 * Ends a gateway process a test started: SIGTERM and a wait for its exit, so that it shuts down as in production
 * and writes its coverage; SIGKILL if it has not gone within `graceMs`.
 */
export async function stopProcess (child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}
