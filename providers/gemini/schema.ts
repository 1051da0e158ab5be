// Gemini's `parameters` and `responseSchema` take an OpenAPI 3.0 subset (wire notes §2) and fail the whole
// request on any other keyword. JSON Schema from OpenAI clients is converted: local `$ref`s inlined, type
// arrays with "null" turned into `nullable`, `const` into a one-value enum, `oneOf` into `anyOf`, single
// `allOf`s merged, and every keyword Gemini rejects dropped. Objects without properties lose `type` detail
// Gemini cannot express (an OBJECT must have properties).

const KEPT = new Set([
  'type', 'format', 'description', 'nullable', 'enum', 'properties', 'required', 'items', 'minItems', 'maxItems',
  'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'minProperties', 'maxProperties', 'anyOf',
  'propertyOrdering'
])

const MAX_DEPTH = 32

type Schema = Record<string, unknown>

export function toGeminiSchema (schema: Schema): Schema | undefined {
  const definitions = { ...(schema.$defs as Schema | undefined), ...(schema.definitions as Schema | undefined) }
  return convert(schema, definitions, 0)
}

function convert (input: Schema, definitions: Schema, depth: number): Schema | undefined {
  if (depth > MAX_DEPTH) return undefined
  let schema = input
  const ref = schema.$ref
  if (typeof ref === 'string') {
    const target = definitions[ref.replace(/^#\/(?:\$defs|definitions)\//, '')]
    if (typeof target !== 'object' || target === null) return {}
    schema = { ...(target as Schema), ...withoutKey(schema, '$ref') }
  }
  const allOf = schema.allOf
  if (Array.isArray(allOf) && allOf.length === 1 && typeof allOf[0] === 'object') {
    schema = { ...(allOf[0] as Schema), ...withoutKey(schema, 'allOf') }
  }
  const out: Schema = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'oneOf' && Array.isArray(value) && schema.anyOf === undefined) {
      out.anyOf = convertList(value, definitions, depth)
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
        const converted = typeof property === 'object' && property !== null ? convert(property as Schema, definitions, depth + 1) : undefined
        if (converted !== undefined) properties[name] = converted
      }
      out.properties = properties
    } else if (key === 'items' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const items = convert(value as Schema, definitions, depth + 1)
      if (items !== undefined) out.items = items
    } else if (key === 'anyOf' && Array.isArray(value)) {
      out.anyOf = convertList(value, definitions, depth)
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

function convertList (list: unknown[], definitions: Schema, depth: number): Schema[] {
  return list.flatMap((item) => {
    const converted = typeof item === 'object' && item !== null ? convert(item as Schema, definitions, depth + 1) : undefined
    return converted === undefined ? [] : [converted]
  })
}

function withoutKey (schema: Schema, key: string): Schema {
  const copy = { ...schema }
  delete copy[key]
  return copy
}

/** A tool's parameters for a function declaration: omitted for tools without arguments (Gemini rejects empty objects). */
export function toFunctionParameters (parameters: Schema | undefined): Schema | undefined {
  if (parameters === undefined) return undefined
  const converted = toGeminiSchema(parameters)
  if (converted === undefined) return undefined
  if (converted.type === 'object' && converted.properties === undefined) return undefined
  return converted
}
