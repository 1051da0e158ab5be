import t from 'tap'
import { costOf, createPriceLookup } from './pricing.ts'
import { createUsage } from '../canonical/usage.ts'
import type { PriceTable } from './contract.ts'

const table: PriceTable = {
  currency: 'USD',
  unit: 'per 1M tokens',
  source: 'test',
  date: '2026-11-25',
  prices: {
    'claude-haiku-4-5': { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
    'claude-haiku-4-5-*': { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
    'claude-*': { input: 3, output: 15 }
  }
}

t.test('exact ids first, then patterns in table order; overrides win over the catalog', async (t) => {
  const lookup = createPriceLookup(table, { 'claude-opus-*': { input: 15, output: 75 } })
  t.same(lookup.priceOf('claude-haiku-4-5'), { price: table.prices['claude-haiku-4-5'], source: 'catalog' })
  t.same(lookup.priceOf('claude-haiku-4-5-20251001')?.price.input, 1, 'a dated variant finds its family')
  t.same(lookup.priceOf('claude-sonnet-4-5')?.price.input, 3)
  t.same(lookup.priceOf('claude-opus-4-1'), { price: { input: 15, output: 75 }, source: 'override' })
  t.equal(lookup.priceOf('gpt-4o'), undefined)
})

t.test('cost: cached tokens at the cached price, cache writes at the write price, the rest at list', async (t) => {
  const price = { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 }
  const usage = createUsage(1000, 200, 300)
  t.equal(costOf(usage, price), (700 * 1 + 300 * 0.1 + 200 * 5) / 1e6)
  usage.prompt_tokens_details = { cached_tokens: 300, cache_write_tokens: 100 }
  t.ok(Math.abs(costOf(usage, price) - (600 * 1 + 300 * 0.1 + 100 * 1.25 + 200 * 5) / 1e6) < 1e-15)
  t.equal(costOf(createUsage(1000, 0, 1000), { input: 2, output: 4 }), 2000 / 1e6, 'no cached price: list price')
})
