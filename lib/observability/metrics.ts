import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'

/** The CloudWatch namespace of every metric the gateway emits (EMF lines in its functions' logs). */
export const metricsNamespace = 'Switchboard'

/**
 * Every metric the gateway emits, its unit and the dimension sets it is
 * emitted with (`[]`: no dimension, the whole gateway). The one source of truth
 * for the emitters, the Prometheus sink and the Terraform dashboard and alarms.
 */
export const metricDefinitions = {
  Calls: { unit: 'Count', dimensionSets: [['agent', 'operation'], ['agent'], []] },
  CallFailures: { unit: 'Count', dimensionSets: [['agent', 'operation'], ['agent'], []] },
  CallDuration: { unit: 'Milliseconds', dimensionSets: [['agent', 'operation'], ['agent']] },
  CallsRefused: { unit: 'Count', dimensionSets: [['agent', 'reason'], ['reason']] },
  Routed: { unit: 'Count', dimensionSets: [['agent']] },
  RouteRefused: { unit: 'Count', dimensionSets: [[]] },
  AuthorizerDenials: { unit: 'Count', dimensionSets: [['reason']] },
  AuthorizerErrors: { unit: 'Count', dimensionSets: [[]] },
  Streams: { unit: 'Count', dimensionSets: [['agent']] },
  StreamDuration: { unit: 'Milliseconds', dimensionSets: [['agent']] },
} as const

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit]
type Values = [name: string, unit: Unit, value: number][]

/**
 * One EMF document per event, with its own dimensions: concurrent calls in one
 * process (the local gateway) never mix, and a stream's metrics go out when it
 * ends, after Middy's `after` has long run.
 */
const emit = (dimensions: Record<string, string>, values: Values) => {
  const metrics = new Metrics({
    namespace: metricsNamespace,
    serviceName: 'switchboard',
    defaultDimensions: dimensions,
  })
  for (const [name, unit, value] of values) metrics.addMetric(name, unit, value)
  metrics.publishStoredMetrics()
}

/**
 * A call forwarded to an agent, however it ended: counted and timed per agent
 * and operation, and counted as failed when the agent or the gateway failed it
 * (5xx, a stream broken off, the agent unreachable).
 */
export const recordCall = (call: {
  agentId: string
  operation: string
  durationMs: number
  failed: boolean
}) =>
  emit({ agent: call.agentId, operation: call.operation }, [
    ['Calls', MetricUnit.Count, 1],
    ['CallDuration', MetricUnit.Milliseconds, call.durationMs],
    ...(call.failed ? ([['CallFailures', MetricUnit.Count, 1]] satisfies Values) : []),
  ])

/** A call refused before it reached its agent, for the caller's limits. */
export const recordRefusal = (agentId: string, reason: 'rate-limit' | 'stream-limit') =>
  emit({ agent: agentId, reason }, [['CallsRefused', MetricUnit.Count, 1]])

/** A message `/route` sent to an agent, or kept back for want of a confident match. */
export const recordRoute = (chosen: string | undefined) =>
  chosen
    ? emit({ agent: chosen }, [['Routed', MetricUnit.Count, 1]])
    : emit({}, [['RouteRefused', MetricUnit.Count, 1]])
