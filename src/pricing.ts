import type { Usage } from './canonical/usage.ts'
import type { Price, PriceTable } from './provider.ts'
import { compileGlobs } from './model-catalog.ts'

export interface PriceLookup {
  /** The price of a model: exact id first, then the first matching pattern in table order. */
  priceOf: (model: string) => Price | undefined
}

export function createPriceLookup (table: PriceTable): PriceLookup {
  const exact = new Map<string, Price>()
  const patterns: Array<{ match: RegExp, price: Price }> = []
  for (const [key, price] of Object.entries(table.prices)) {
    const pattern = key.includes('*') ? compileGlobs([key]) : undefined
    if (pattern === undefined) exact.set(key, price)
    else patterns.push({ match: pattern, price })
  }
  const memo = new Map<string, Price | undefined>()
  return {
    priceOf (model) {
      if (memo.has(model)) return memo.get(model)
      const price = exact.get(model) ?? patterns.find((entry) => entry.match.test(model))?.price
      if (memo.size < 10_000) memo.set(model, price)
      return price
    }
  }
}

/** USD for a call: cached prompt tokens at the cached price (when the table has one), the rest at list price. */
export function costOf (usage: Usage, price: Price): number {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0
  const uncached = Math.max(0, usage.prompt_tokens - cached)
  return (uncached * price.input + cached * (price.cachedInput ?? price.input) + usage.completion_tokens * price.output) / 1e6
}
