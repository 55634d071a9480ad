import type { GatewayConfig } from '../config.ts'
import { emfSink, type MetricsSink } from './metrics.ts'

/**
 * EMF on AWS; the process's Prometheus registry on a laptop (METRICS_SINK).
 * Prometheus is imported only when chosen: a Lambda never loads prom-client.
 *
 * @example
 * const metrics = await metricsSinkFor(config)
 */
export const metricsSinkFor = async (
  config: Pick<GatewayConfig, 'metricsSink'>,
): Promise<MetricsSink> => {
  if (config.metricsSink !== 'prometheus') return emfSink()
  const { prometheusSink, processMetricsRegistry } = await import('./prometheus-sink.ts')
  return prometheusSink(processMetricsRegistry)
}
