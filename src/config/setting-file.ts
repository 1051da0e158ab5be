import { readFile } from 'node:fs/promises'
import type { Static, TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { parse as parseYaml } from 'yaml'
import { ConfigurationError } from './provider-settings.ts'

/**
 * A settings file named by a setting (`variable`): YAML when its name ends in `.yaml` or `.yml`, JSON otherwise,
 * checked against its schema. Any fault stops start-up, naming the setting.
 */
export async function readSettingFile<T extends TSchema> (variable: string, file: string, schema: T): Promise<Static<T>> {
  const yaml = /\.ya?ml$/i.test(file)
  let parsed: unknown
  try {
    const text = await readFile(file, 'utf8')
    // YAML's aliases could expand a small file into a huge value: the library's own bound is kept low.
    parsed = yaml ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text)
  } catch (error) {
    throw new ConfigurationError(`Invalid configuration: ${variable}=${file} cannot be read as ${yaml ? 'YAML' : 'JSON'} (${(error as Error).message})`)
  }
  const first = Value.Errors(schema, parsed).First()
  if (first !== undefined) throw new ConfigurationError(`Invalid configuration: ${variable}=${file}: ${first.path || '/'} ${first.message}`)
  return parsed as Static<T>
}
