import { readFile } from 'node:fs/promises'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Usage } from '../canonical/usage.ts'
import { PriceSchema, type Price, type PriceTable } from './contract.ts'
import { compileGlobs } from './model-catalog.ts'
import { ConfigurationError } from '../config/provider-settings.ts'

export type CostSource = 'catalog' | 'override' | 'unknown'

export interface ModelPrice {
  price: Price
  source: Exclude<CostSource, 'unknown'>
}

export interface PriceLookup {
  /** Override first, then the plugin's table; within each, the exact id first, then the first matching pattern. */
  priceOf: (model: string) => ModelPrice | undefined
}

/** `PRICING_FILE`: `{ "<provider>": { "<model or pattern>": { input, output, cachedInput?, cacheWrite? } } }`. */
export const PriceOverridesSchema = Type.Record(Type.String(), Type.Record(Type.String(), PriceSchema))
export type PriceOverrides = Static<typeof PriceOverridesSchema>

export async function loadPriceOverrides (file: string | undefined): Promise<PriceOverrides> {
  if (file === undefined) return {}
  let text
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new ConfigurationError(`Invalid configuration: PRICING_FILE=${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ConfigurationError(`Invalid configuration: PRICING_FILE=${file} is not valid JSON`)
  }
  const firstError = Value.Errors(PriceOverridesSchema, parsed).First()
  if (firstError !== undefined) {
    throw new ConfigurationError(`Invalid configuration: PRICING_FILE=${file}: ${firstError.path || '/'} ${firstError.message} ` +
      '(expected { "<provider>": { "<model>": { "input": n, "output": n, "cachedInput"?: n, "cacheWrite"?: n } } }, USD per 1M tokens)')
  }
  return parsed as PriceOverrides
}

export function createPriceLookup (table: PriceTable, overrides: Readonly<Record<string, Price>> = {}): PriceLookup {
  const fromOverrides = compileTable(overrides)
  const fromCatalog = compileTable(table.prices)
  const memo = new Map<string, ModelPrice | undefined>()
  return {
    priceOf (model) {
      if (memo.has(model)) return memo.get(model)
      const override = fromOverrides(model)
      const catalog = override === undefined ? fromCatalog(model) : undefined
      const found: ModelPrice | undefined = override !== undefined
        ? { price: override, source: 'override' }
        : catalog !== undefined ? { price: catalog, source: 'catalog' } : undefined
      if (memo.size < 10_000) memo.set(model, found)
      return found
    }
  }
}

function compileTable (prices: Readonly<Record<string, Price>>): (model: string) => Price | undefined {
  const exact = new Map<string, Price>()
  const patterns: Array<{ match: RegExp, price: Price }> = []
  for (const [key, price] of Object.entries(prices)) {
    const pattern = key.includes('*') ? compileGlobs([key]) : undefined
    if (pattern === undefined) exact.set(key, price)
    else patterns.push({ match: pattern, price })
  }
  return (model) => exact.get(model) ?? patterns.find((entry) => entry.match.test(model))?.price
}

/**
 * USD for a call. Prompt tokens include cached and cache-write tokens (OpenAI's convention, which every
 * translator follows): cached ones are charged at the cached price and cache writes at the cache-write price
 * when the table has them, the rest at the input price.
 */
export function costOf (usage: Usage, price: Price): number {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0
  const uncached = Math.max(0, usage.prompt_tokens - cached - written)
  return (
    uncached * price.input +
    cached * (price.cachedInput ?? price.input) +
    written * (price.cacheWrite ?? price.input) +
    usage.completion_tokens * price.output
  ) / 1e6
}
