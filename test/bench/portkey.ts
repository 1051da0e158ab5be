import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startNode, waitForPort, type BenchProcess } from './processes.ts'

// The peer gateway, installed on demand into a temporary folder (never a dependency of this project).
// Known: Portkey 1.15.2 on Node answers every streamed chat request with 500 and logs `TypeError: immutable`
// (it mutates the headers of a fetch Response; Portkey-AI/gateway#1389 and #1550). Pinning
// @hono/node-server to 1.14.2, the workaround in #1389, fixes its non-streaming path only, which already
// works here, so the benchmark reports Portkey's streams as failed rather than patching it.

const PORTKEY_VERSION = '1.15.2'
const folder = join(tmpdir(), `switchyard-bench-portkey-${PORTKEY_VERSION}`)

export async function installPortkey (): Promise<string> {
  const entry = join(folder, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js')
  if (existsSync(entry)) return entry
  await mkdir(folder, { recursive: true })
  await writeFile(join(folder, 'package.json'), JSON.stringify({ private: true, dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION } }))
  await promisify(execFile)('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: folder })
  return entry
}

export async function startPortkey (port: number): Promise<BenchProcess> {
  const entry = await installPortkey()
  const process = startNode('portkey', [entry, `--port=${port}`], { NODE_ENV: 'production' }, folder)
  await waitForPort(port, 60_000)
  return process
}
