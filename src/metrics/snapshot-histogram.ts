import { Histogram, type Registry } from 'prom-client'

/** Counts kept elsewhere: one per upper bound, then one above the last, and the sum of what was counted. */
export interface HistogramCounts {
  perBucket: readonly number[]
  sum: number
}

/** One series of the histogram: its labels (none for the only one) and its counts. */
export interface HistogramSeries {
  labels: Record<string, string>
  counts: HistogramCounts
}

type Exported = Awaited<ReturnType<Histogram['get']>>

// prom-client's typings declare `type` as a numeric enum; at run time it is the word the text format writes
const HISTOGRAM = 'histogram' as unknown as Exported['type']

/**
 * A histogram whose counts live in plain arrays that the request path adds
 * to (one increment per request, no prom-client call); at scrape time they
 * are turned into Prometheus' cumulative buckets, `_sum` and `_count`.
 */
class SnapshotHistogram extends Histogram {
  readonly #name: string
  readonly #help: string
  readonly #bounds: readonly number[]
  readonly #read: () => readonly HistogramSeries[]

  constructor (name: string, help: string, bounds: readonly number[], labelNames: readonly string[], read: () => readonly HistogramSeries[]) {
    super({ name, help, buckets: [...bounds], labelNames: [...labelNames], registers: [] })
    this.#name = name
    this.#help = help
    this.#bounds = bounds
    this.#read = read
  }

  override async get (): Promise<Exported> {
    const values: Exported['values'] = []
    for (const { labels, counts: { perBucket, sum } } of this.#read()) {
      let cumulative = 0
      this.#bounds.forEach((bound, i) => {
        cumulative += perBucket[i] ?? 0
        values.push({ metricName: `${this.#name}_bucket`, labels: { ...labels, le: bound }, value: cumulative })
      })
      cumulative += perBucket[this.#bounds.length] ?? 0
      values.push({ metricName: `${this.#name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative })
      values.push({ metricName: `${this.#name}_sum`, labels, value: sum })
      values.push({ metricName: `${this.#name}_count`, labels, value: cumulative })
    }
    return { name: this.#name, help: this.#help, type: HISTOGRAM, aggregator: 'sum', collect: () => {}, values }
  }

  // the registry writes the text format from this one when a metric has it (prom-client's Histogram does)
  async getForPromString (): Promise<Exported> {
    return await this.get()
  }
}

export function registerSnapshotHistogram (registry: Registry, name: string, help: string, bounds: readonly number[], labelNames: readonly string[], read: () => readonly HistogramSeries[]): void {
  registry.registerMetric(new SnapshotHistogram(name, help, bounds, labelNames, read))
}
