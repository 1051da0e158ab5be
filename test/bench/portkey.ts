import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startNode, waitForPort, type BenchProcess } from './processes.ts'

// The peer gateway, installed on demand into a temporary folder (never a dependency of this project).

const PORTKEY_VERSION = '1.15.2'
const folder = join(tmpdir(), `switchyard-bench-portkey-${PORTKEY_VERSION}`)

export async function installPortkey (): Promise<string> {
  const entry = join(folder, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js')
  if (existsSync(entry)) return entry
  await mkdir(folder, { recursive: true })
  await promisify(execFile)('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `@portkey-ai/gateway@${PORTKEY_VERSION}`], { cwd: folder })
  return entry
}

export async function startPortkey (port: number): Promise<BenchProcess> {
  const entry = await installPortkey()
  const process = startNode('portkey', [entry, `--port=${port}`], { NODE_ENV: 'production' }, folder)
  await waitForPort(port, 60_000)
  return process
}
