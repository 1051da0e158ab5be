import type { CatalogIndex } from '../provider/model-catalog.ts'
import type { PriceLookup } from '../provider/pricing.ts'
import { NANO_USD_PER_USD } from './virtual-key.ts'

/** Output tokens assumed when neither the request nor the model's catalog entry bounds them. */
export const DEFAULT_OUTPUT_LIMIT = 32_768

/** UTF-8 bytes of request body per prompt token, on the low side (JSON and English run nearer four). */
const BODY_BYTES_PER_TOKEN = 3

export interface PricedAttempt {
  readonly provider: { readonly name: string, readonly prices: PriceLookup, readonly catalog: CatalogIndex }
  readonly model: string
}

export interface WorstCase {
  nanoUsd: number
  /** `provider:model` of each attempt with no known price. */
  unpriced: string[]
}

/** Prompt tokens a request body can hold at most, for the reservation (settling charges what was used). */
export function promptTokenBound (bodyBytes: number): number {
  return Math.ceil(bodyBytes / BODY_BYTES_PER_TOKEN)
}

/**
 * The most a request can cost across the attempts its plan may make: the prompt bound at the dearest input
 * price (cache writes included) plus `max_tokens`, or the model's output limit, at the output price.
 */
export function worstCaseCost (attempts: readonly PricedAttempt[], promptTokens: number, maxOutputTokens: number | undefined): WorstCase {
  let nanoUsd = 0
  const unpriced: string[] = []
  for (const { provider, model } of attempts) {
    const priced = provider.prices.priceOf(model)
    if (priced === undefined) {
      unpriced.push(`${provider.name}:${model}`)
      continue
    }
    const info = provider.catalog.find(model)
    const output = maxOutputTokens ?? info?.maxOutputTokens ?? info?.contextWindow ?? DEFAULT_OUTPUT_LIMIT
    const { price } = priced
    const input = Math.max(price.input, price.cacheWrite ?? 0)
    nanoUsd = Math.max(nanoUsd, Math.ceil((promptTokens * input + output * price.output) / 1e6 * NANO_USD_PER_USD))
  }
  return { nanoUsd, unpriced }
}
