/** A model as a provider's own model list states it: only what the list says. */
export interface DiscoveredModel {
  id: string
  displayName?: string
  contextWindow?: number
  maxOutputTokens?: number
  /** The capabilities the list states (as in a catalog entry); the rest are not known. */
  capabilities?: Partial<Record<'tools' | 'vision' | 'json' | 'reasoning', boolean>>
}

/** One page of a provider's model list: the models it can chat with, and the token of the next page. */
export interface ModelListPage {
  models: DiscoveredModel[]
  next?: string | undefined
}

/**
 * How a provider folder lists its models (docs/providers.md, Model discovery). The gateway fetches page after
 * page with the provider's own auth headers; the folder only says where and how to read one.
 */
export interface ModelDiscovery {
  /** The path of a page from the origin, query included: `basePath` is the path of the provider's base URL (`/v1`). */
  path: (basePath: string, page: string | undefined) => string
  /** A page's body, parsed; throws on a body that is not the provider's list. */
  parse: (body: unknown) => ModelListPage
}

/** A positive integer, or undefined: list fields are read defensively. */
export function positiveInteger (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined
}

/** A page token as the provider sent it, or undefined for the last page. */
export function pageToken (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** The list's array under `field`, or an error naming what the body lacked. */
export function listOf (body: unknown, field: string): unknown[] {
  const list = (body as Record<string, unknown> | null)?.[field]
  if (!Array.isArray(list)) throw new Error(`the model list has no '${field}' array`)
  return list
}

/** `id` as a usable model id, or undefined. */
export function modelId (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= 256 ? value : undefined
}
