import { Counter, Histogram, Registry } from 'prom-client'
import { dimensionsOf, type MetricName, type MetricsSink, metricDefinitions } from './metrics.ts'

/**
 * The registry of this process's Prometheus metrics: every handler loaded in it
 * records here when METRICS_SINK is `prometheus`, and the local gateway serves it
 * as `GET /metrics`.
 */
export const processMetricsRegistry = new Registry()

/** `CallsRefused` → `calls_refused`. */
const snakeCase = (name: string) => name.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase()

/**
 * The Prometheus name of a metric of `metricDefinitions`: a Count is a counter
 * `switchboard_<name>_total`, a duration in milliseconds a histogram
 * `switchboard_<name>_milliseconds`.
 *
 * @example
 * prometheusName('Calls') // 'switchboard_calls_total'
 * prometheusName('CallDuration') // 'switchboard_call_duration_milliseconds'
 */
export const prometheusName = (name: MetricName): string =>
  `switchboard_${snakeCase(name)}_${metricDefinitions[name].unit === 'Count' ? 'total' : 'milliseconds'}`

/** Histogram buckets for call and stream durations: 5 ms to 5 min. */
export const durationBucketsMs = [
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000,
]

/**
 * Metrics into a Prometheus registry, for `GET /metrics` on a laptop. A metric's
 * labels are every dimension its sets use (Prometheus sums over a label at query
 * time, so the coarser sets need no series of their own: `sum by (agent)`, `sum`).
 *
 * @example
 * const sink = prometheusSink(registry)
 * sink.record({ Calls: 1 }, { agent: 'weather', operation: 'SendMessage' })
 */
export const prometheusSink = (registry: Registry): MetricsSink => {
  const instrument = (name: MetricName) => {
    const metricName = prometheusName(name)
    const existing = registry.getSingleMetric(metricName)
    if (existing) return existing as Counter | Histogram
    const common = {
      name: metricName,
      help: `${name} (${metricDefinitions[name].unit}), as the EMF metric of the same name`,
      labelNames: dimensionsOf(name),
      registers: [registry],
    }
    return metricDefinitions[name].unit === 'Count'
      ? new Counter(common)
      : new Histogram({ ...common, buckets: durationBucketsMs })
  }
  /** Each metric's instrument and label names, found or made once (its first record). */
  const instruments = new Map<MetricName, { metric: Counter | Histogram; labelNames: string[] }>()
  const instrumentOf = (name: MetricName) => {
    let known = instruments.get(name)
    if (!known) {
      known = { metric: instrument(name), labelNames: dimensionsOf(name) }
      instruments.set(name, known)
    }
    return known
  }
  return {
    record(values, dimensions = {}) {
      for (const name in values) {
        const value = values[name as MetricName] as number
        const { metric, labelNames } = instrumentOf(name as MetricName)
        const labels: Record<string, string> = {}
        for (const label of labelNames) labels[label] = dimensions[label] ?? ''
        if (metric instanceof Counter) metric.inc(labels, value)
        else metric.observe(labels, value)
      }
    },
  }
}
