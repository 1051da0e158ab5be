import { invalidRequest } from '../../src/canonical/errors.ts'

// Gemini's `parameters` and `responseSchema` take an OpenAPI 3.0 subset (wire notes §2) and fail the whole
// request on any other keyword. JSON Schema from OpenAI clients is converted: local `$ref`s inlined, type
// arrays with "null" turned into `nullable`, `const` into a one-value enum, `oneOf` into `anyOf`, single
// `allOf`s merged, and every keyword Gemini rejects dropped. Objects without properties lose `type` detail
// Gemini cannot express (an OBJECT must have properties).
//
// Inlining `$ref`s multiplies a schema: two references to a definition that references itself twice is 2^n
// nodes at depth n. The work is bounded by the nodes produced, across every schema of one request, and a
// reference cycle (which Gemini cannot express) is refused naming where it is.

const KEPT = new Set([
  'type', 'format', 'description', 'nullable', 'enum', 'properties', 'required', 'items', 'minItems', 'maxItems',
  'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'minProperties', 'maxProperties', 'anyOf',
  'propertyOrdering'
])

/** Deeper than this, a schema is refused: Gemini's own limit is lower, and the walk is recursive. */
export const MAX_SCHEMA_DEPTH = 32
/** Schema nodes one request may produce, `$ref`s inlined, across all its tools and its response format. */
export const MAX_SCHEMA_NODES = 10_000

type Schema = Record<string, unknown>

/** What converting a request's schemas may still produce; one per request, shared by its schemas. */
export interface SchemaBudget { nodes: number }

export function createSchemaBudget (): SchemaBudget {
  return { nodes: MAX_SCHEMA_NODES }
}

/** Where a schema came from, for the message and `param` of a refusal. */
export interface SchemaOrigin {
  /** e.g. `tool 'lookup'` or `response_format`. */
  owner: string
  param: string
}

interface Walk {
  definitions: Map<string, unknown>
  /** `$ref`s being inlined on the current path: meeting one again is a cycle. */
  expanding: Set<string>
  budget: SchemaBudget
  origin: SchemaOrigin
}

export function toGeminiSchema (schema: Schema, origin: SchemaOrigin, budget: SchemaBudget = createSchemaBudget()): Schema {
  const definitions = new Map<string, unknown>()
  for (const source of [schema.$defs, schema.definitions]) {
    if (typeof source === 'object' && source !== null) for (const [name, value] of Object.entries(source)) definitions.set(name, value)
  }
  return convert(schema, { definitions, expanding: new Set(), budget, origin }, 0)
}

function convert (input: Schema, walk: Walk, depth: number): Schema {
  if (depth > MAX_SCHEMA_DEPTH) {
    throw invalidRequest(`The schema of ${walk.origin.owner} is nested deeper than ${MAX_SCHEMA_DEPTH} levels, more than Gemini takes.`, walk.origin.param)
  }
  if (--walk.budget.nodes < 0) {
    throw invalidRequest(`The schemas of this request expand to more than ${MAX_SCHEMA_NODES} nodes once their $refs are inlined ` +
      `(at ${walk.origin.owner}); Gemini needs them inlined, so send smaller schemas.`, walk.origin.param)
  }
  let schema = input
  const ref = schema.$ref
  let expanded: string | undefined
  if (typeof ref === 'string') {
    const name = ref.replace(/^#\/(?:\$defs|definitions)\//, '')
    const target = walk.definitions.get(name)
    if (typeof target !== 'object' || target === null) return {}
    if (walk.expanding.has(name)) {
      throw invalidRequest(`The schema of ${walk.origin.owner} is recursive ('${ref}' refers back to itself); Gemini cannot take recursive schemas.`, walk.origin.param)
    }
    expanded = name
    walk.expanding.add(name)
    schema = { ...(target as Schema), ...withoutKey(schema, '$ref') }
  }
  try {
    return convertNode(schema, walk, depth)
  } finally {
    if (expanded !== undefined) walk.expanding.delete(expanded)
  }
}

function convertNode (input: Schema, walk: Walk, depth: number): Schema {
  let schema = input
  const allOf = schema.allOf
  if (Array.isArray(allOf) && allOf.length === 1 && typeof allOf[0] === 'object') {
    schema = { ...(allOf[0] as Schema), ...withoutKey(schema, 'allOf') }
  }
  const out: Schema = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'oneOf' && Array.isArray(value) && schema.anyOf === undefined) {
      out.anyOf = convertList(value, walk, depth)
    } else if (key === 'const') {
      if (typeof value === 'string') out.enum = [value]
    } else if (!KEPT.has(key)) {
      continue
    } else if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((type) => type !== 'null')
      if (types.length < value.length) out.nullable = true
      if (types.length === 1) out.type = types[0]
      else if (types.length > 1) out.anyOf = types.map((type) => ({ type }))
    } else if (key === 'properties' && typeof value === 'object' && value !== null) {
      const properties: Schema = {}
      for (const [name, property] of Object.entries(value as Schema)) {
        if (typeof property !== 'object' || property === null) continue
        // defineProperty: a property named `__proto__` stays a property.
        Object.defineProperty(properties, name, { value: convert(property as Schema, walk, depth + 1), enumerable: true, writable: true, configurable: true })
      }
      out.properties = properties
    } else if (key === 'items' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      out.items = convert(value as Schema, walk, depth + 1)
    } else if (key === 'anyOf' && Array.isArray(value)) {
      out.anyOf = convertList(value, walk, depth)
    } else if (key === 'enum' && Array.isArray(value)) {
      // Gemini enums are strings only.
      if (value.every((item) => typeof item === 'string')) out.enum = value
    } else {
      out[key] = value
    }
  }
  if (out.type === 'object' && (out.properties === undefined || Object.keys(out.properties as Schema).length === 0)) {
    delete out.properties
    delete out.required
  }
  if (Array.isArray(out.required) && typeof out.properties === 'object') {
    const names = new Set(Object.keys(out.properties as Schema))
    out.required = (out.required as unknown[]).filter((name) => typeof name === 'string' && names.has(name))
  }
  return out
}

function convertList (list: unknown[], walk: Walk, depth: number): Schema[] {
  return list.flatMap((item) => typeof item === 'object' && item !== null ? [convert(item as Schema, walk, depth + 1)] : [])
}

function withoutKey (schema: Schema, key: string): Schema {
  const copy = { ...schema }
  delete copy[key]
  return copy
}

/** A tool's parameters for a function declaration: omitted for tools without arguments (Gemini rejects empty objects). */
export function toFunctionParameters (parameters: Schema | undefined, origin: SchemaOrigin, budget: SchemaBudget): Schema | undefined {
  if (parameters === undefined) return undefined
  const converted = toGeminiSchema(parameters, origin, budget)
  if (converted.type === 'object' && converted.properties === undefined) return undefined
  return converted
}
