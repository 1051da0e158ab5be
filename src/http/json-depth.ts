import { invalidRequest, type GatewayError } from '../canonical/errors.ts'

/**
 * How deep a request body may nest, in every field: messages, tools and their schemas, `response_format`,
 * metadata and fields passed through unread. Real requests stay far below it; past it, a body could not be
 * translated or serialised without recursing as deep as the client liked.
 */
export const MAX_JSON_DEPTH = 64

/** A 400 naming the first place where `body` nests deeper than MAX_JSON_DEPTH, or undefined. */
export function checkJsonDepth (body: unknown): GatewayError | undefined {
  const param = findTooDeep(body)
  if (param === undefined) return undefined
  return invalidRequest(`The request body nests deeper than ${MAX_JSON_DEPTH} levels (at '${param}').`, param, 'too_deeply_nested')
}

/** The path (`tools[0].function.parameters`) of the first value nested deeper than MAX_JSON_DEPTH, or undefined. */
export function findTooDeep (value: unknown): string | undefined {
  const path = tooDeepPath(value, 0)
  return path?.reduce<string>((joined, part) => typeof part === 'number' ? `${joined}[${part}]` : joined === '' ? part : `${joined}.${part}`, '')
}

/** The keys down to the first value at MAX_JSON_DEPTH + 1, or undefined. Recurses at most that deep. */
function tooDeepPath (value: unknown, depth: number): Array<string | number> | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  if (depth >= MAX_JSON_DEPTH) return []
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const below = tooDeepPath(value[index], depth + 1)
      if (below !== undefined) return [index, ...below]
    }
    return undefined
  }
  for (const key in value) {
    const below = tooDeepPath((value as Record<string, unknown>)[key], depth + 1)
    if (below !== undefined) return [key, ...below]
  }
  return undefined
}
