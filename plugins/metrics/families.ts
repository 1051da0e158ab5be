import type { Registry } from 'prom-client'

// Counter and histogram families for the per-request series, served through prom-client's registry (which
// formats them next to its default process metrics). prom-client's own Counter and Histogram hash and
// validate the label object on every update, several microseconds per request across the series; these look
// up a cell by a precomputed key and add to plain numbers, and do the formatting work only when scraped.

type LabelValues = readonly string[]

interface PromValue { labels: Record<string, string>, value: number, metricName?: string }

interface PromSnapshot { name: string, help: string, type: string, aggregator: 'sum', values: PromValue[] }

/** What prom-client's registry reads from a metric. */
interface PromMetric {
  name: string
  help: string
  type: 'counter' | 'histogram'
  aggregator: 'sum'
  get: () => Promise<PromSnapshot>
  reset: () => void
}

function labelsOf (names: readonly string[], values: LabelValues): Record<string, string> {
  const labels: Record<string, string> = {}
  names.forEach((name, index) => { labels[name] = values[index] ?? '' })
  return labels
}

/**
 * The cells of a family, found by their label values through one map per label: no key is built, and the
 * values (catalog names, provider names, cached status strings) are strings whose hashes V8 already holds.
 */
class LabelledCells<T> {
  private root = new Map<string, unknown>()
  readonly all: T[] = []

  find (values: LabelValues): T | undefined {
    let node: unknown = this.root
    for (const value of values) {
      node = (node as Map<string, unknown> | undefined)?.get(value)
      if (node === undefined) return undefined
    }
    return node as T
  }

  add (values: LabelValues, cell: T): T {
    let node = this.root
    const last = values.length - 1
    for (let index = 0; index < last; index++) {
      const value = values[index] ?? ''
      let next = node.get(value) as Map<string, unknown> | undefined
      if (next === undefined) {
        next = new Map<string, unknown>()
        node.set(value, next)
      }
      node = next
    }
    node.set(values[last] ?? '', cell)
    this.all.push(cell)
    return cell
  }

  clear (): void {
    this.root = new Map<string, unknown>()
    this.all.length = 0
  }
}

export interface CounterCell { value: number }

export class CounterFamily implements PromMetric {
  readonly type = 'counter' as const
  readonly aggregator = 'sum' as const
  private readonly cells = new LabelledCells<{ labels: Record<string, string>, cell: CounterCell }>()

  constructor (readonly name: string, readonly help: string, private readonly labelNames: readonly string[], registry: Registry) {
    registry.registerMetric(this as never)
  }

  /** The cell for these label values (in `labelNames` order); keep it when the labels repeat. */
  cell (values: LabelValues): CounterCell {
    return (this.cells.find(values) ?? this.cells.add(values, { labels: labelsOf(this.labelNames, values), cell: { value: 0 } })).cell
  }

  async get (): Promise<PromSnapshot> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.cells.all.map(({ labels, cell }) => ({ labels, value: cell.value }))
    }
  }

  reset (): void { this.cells.clear() }
}

export interface HistogramCell { observe: (value: number) => void }

interface HistogramCellState extends HistogramCell { labels: Record<string, string>, counts: Float64Array, sum: number, count: number }

export class HistogramFamily implements PromMetric {
  readonly type = 'histogram' as const
  readonly aggregator = 'sum' as const
  private readonly cells = new LabelledCells<HistogramCellState>()

  constructor (readonly name: string, readonly help: string, private readonly labelNames: readonly string[], private readonly buckets: readonly number[], registry: Registry) {
    registry.registerMetric(this as never)
  }

  cell (values: LabelValues): HistogramCell {
    return this.cells.find(values) ?? this.cells.add(values, this.newCell(values))
  }

  private newCell (values: LabelValues): HistogramCellState {
    const counts = new Float64Array(this.buckets.length + 1)
    const buckets = this.buckets
    const created = {
      labels: labelsOf(this.labelNames, values),
      counts,
      sum: 0,
      count: 0,
      observe (value: number) {
        let index = 0
        while (index < buckets.length && value > (buckets[index] ?? Infinity)) index++
        counts[index] = (counts[index] ?? 0) + 1
        created.sum += value
        created.count++
      }
    }
    return created
  }

  async get (): Promise<PromSnapshot> {
    const values: PromValue[] = []
    for (const { labels, counts, sum, count } of this.cells.all) {
      let cumulative = 0
      this.buckets.forEach((bound, index) => {
        cumulative += counts[index] ?? 0
        values.push({ labels: { le: String(bound), ...labels }, value: cumulative, metricName: `${this.name}_bucket` })
      })
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` })
      values.push({ labels, value: sum, metricName: `${this.name}_sum` })
      values.push({ labels, value: count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  reset (): void { this.cells.clear() }
}
