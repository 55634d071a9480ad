import { Registry } from 'prom-client'
import type { GatewayConfig } from '../config.ts'
import { emfSink, type MetricsSink } from './metrics.ts'
import { prometheusSink } from './prometheus-sink.ts'

/**
 * The registry of this process's Prometheus metrics: every handler loaded in it
 * records here when METRICS_SINK is `prometheus`, and the local gateway serves it
 * as `GET /metrics`.
 */
export const processMetricsRegistry = new Registry()

/** EMF on AWS; the process's Prometheus registry on a laptop (METRICS_SINK). */
export const metricsSinkFor = (config: Pick<GatewayConfig, 'metricsSink'>): MetricsSink =>
  config.metricsSink === 'prometheus' ? prometheusSink(processMetricsRegistry) : emfSink()
