/**
 * Whether a tool call's arguments fit its tool's JSON Schema, checked only when the schema is simple: an object of
 * named properties, each with a plain `type` (or a list of them) and perhaps an `enum`. Undefined when the schema is
 * not simple (`$ref`, `anyOf` and the like at the top): a full validator per answer is not worth its cost for
 * routing information, and a wrong verdict would move traffic for nothing.
 */
export function argumentsFit (schema: unknown, args: unknown): boolean | undefined {
  if (!isPlainObject(schema) || schema.type !== 'object') return undefined
  for (const keyword of COMPLEX) if (keyword in schema) return undefined
  if (!isPlainObject(args)) return false
  const properties = isPlainObject(schema.properties) ? schema.properties : {}
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) if (typeof name === 'string' && !Object.hasOwn(args, name)) return false
  }
  for (const [name, value] of Object.entries(args)) {
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined
    if (property === undefined) {
      if (schema.additionalProperties === false) return false
      continue
    }
    if (!fitsProperty(property, value)) return false
  }
  return true
}

const COMPLEX = ['$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'patternProperties', 'dependentSchemas'] as const

const TYPES: Readonly<Record<string, (value: unknown) => boolean>> = {
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number',
  integer: (value) => Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  array: (value) => Array.isArray(value),
  object: (value) => isPlainObject(value),
  null: (value) => value === null
}

/** A property's `type` and `enum`, where they are plain; anything else about it is not judged. */
function fitsProperty (property: unknown, value: unknown): boolean {
  if (!isPlainObject(property)) return true
  const type = property.type
  const types = typeof type === 'string' ? [type] : Array.isArray(type) ? type : []
  const checks = types.map((name) => typeof name === 'string' && Object.hasOwn(TYPES, name) ? TYPES[name] : undefined)
  // An unknown type name: the schema says something this check does not understand.
  if (checks.length > 0 && checks.every((check) => check !== undefined) && !checks.some((check) => check?.(value) === true)) return false
  if (Array.isArray(property.enum) && (value === null || typeof value !== 'object') && !property.enum.includes(value)) return false
  return true
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
