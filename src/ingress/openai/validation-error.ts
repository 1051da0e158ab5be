import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import { invalidRequest, type GatewayError } from '../../canonical/errors.ts'
import { MAX_MODEL_NAME_LENGTH } from '../../canonical/model-name.ts'

/** `/messages/0/content` -> `messages[0].content`, the JSON path style OpenAI uses in `param`. */
export function toParamPath (instancePath: string): string {
  return instancePath.split('/').filter((part) => part !== '').reduce((path, part) =>
    /^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`, '')
}

export function fromValidationErrors (errors: readonly FastifySchemaValidationError[]): GatewayError {
  const first = errors[0]
  if (first === undefined) return invalidRequest('The request body is invalid.')
  const missing = first.keyword === 'required' ? (first.params as { missingProperty?: string }).missingProperty : undefined
  const base = toParamPath(first.instancePath)
  const param = missing === undefined ? base : base === '' ? missing : `${base}.${missing}`
  if (missing !== undefined) return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter')
  if (param === 'model' && (first.keyword === 'pattern' || first.keyword === 'maxLength')) {
    return invalidRequest(`Invalid value for 'model': a model name is 1 to ${MAX_MODEL_NAME_LENGTH} printable ASCII characters, without spaces or control characters.`, param, 'invalid_value')
  }
  if (param === '') return invalidRequest(`The request body ${first.message ?? 'is invalid'}.`, null, 'invalid_type')
  return invalidRequest(`Invalid value for '${param}': ${first.message ?? 'invalid'}.`, param, 'invalid_value')
}
