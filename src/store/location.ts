/** Where STORE_URL points: `memory`, `sqlite:<file>` or `postgres://…` (optionally `?schema=<name>`). */
export type StoreLocation =
  | { kind: 'memory' }
  | { kind: 'sqlite', file: string }
  | { kind: 'postgres', url: string, schema: string | undefined }

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export function parseStoreUrl (value: string): StoreLocation {
  if (value === 'memory') return { kind: 'memory' }
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length)
    if (file === '') throw new Error('STORE_URL=sqlite: needs a file, e.g. sqlite:./data/switchyard.db')
    return { kind: 'sqlite', file }
  }
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    const url = new URL(value)
    const schema = url.searchParams.get('schema') ?? undefined
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`STORE_URL: schema '${schema}' is not a plain lower-case SQL name`)
    url.searchParams.delete('schema')
    return { kind: 'postgres', url: url.toString(), schema }
  }
  throw new Error(`STORE_URL must be memory, sqlite:<file> or postgres://…; got '${value.replace(/\/\/[^@/]*@/, '//…@')}'`)
}
