import { readdir, access } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
import { ConfigurationError } from '../config/provider-settings.ts'

const INDEX_FILES = ['index.ts', 'index.js', 'index.mjs']

/**
 * Finds provider plugins: every sub-folder of each given folder that holds an index file. Sorted by folder
 * name so registration order (and hence `/v1/models` and fallback order) does not depend on the file system.
 * Runs once at boot; nothing here is on the request path.
 */
export async function findProviderPlugins (folders: readonly string[]): Promise<string[]> {
  const found: string[] = []
  for (const folder of folders) {
    const root = resolve(folder)
    let entries
    try {
      entries = await readdir(root, { withFileTypes: true })
    } catch (error) {
      throw new ConfigurationError(`Provider folder ${root} cannot be read: ${(error as Error).message}`)
    }
    const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()
    for (const name of names) {
      const index = await firstExisting(INDEX_FILES.map((file) => join(root, name, file)))
      if (index !== undefined) found.push(index)
    }
  }
  return found
}

export async function loadProviderPlugin (file: string): Promise<FastifyPluginAsync> {
  const module = await import(pathToFileURL(file).href) as { default?: unknown }
  if (typeof module.default !== 'function') {
    throw new ConfigurationError(`Provider plugin ${file} has no default export of a Fastify plugin`)
  }
  return module.default as FastifyPluginAsync
}

async function firstExisting (paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    try {
      await access(path)
      return path
    } catch {
      // try the next candidate
    }
  }
  return undefined
}
