import { readFile } from 'node:fs/promises'
import type { Static, TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigurationError } from './provider-settings.ts'

/** A JSON file named by a setting (`variable`), checked against its schema; any fault stops start-up, naming the setting. */
export async function readJsonSetting<T extends TSchema> (variable: string, file: string, schema: T): Promise<Static<T>> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new ConfigurationError(`Invalid configuration: ${variable}=${file} cannot be read as JSON (${(error as Error).message})`)
  }
  const first = Value.Errors(schema, parsed).First()
  if (first !== undefined) throw new ConfigurationError(`Invalid configuration: ${variable}=${file}: ${first.path || '/'} ${first.message}`)
  return parsed as Static<T>
}
