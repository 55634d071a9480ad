import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'

/** The CloudWatch namespace of every metric the gateway emits (EMF lines in its functions' logs). */
export const metricsNamespace = 'Switchboard'

/**
 * Every metric the gateway emits, its unit and the dimension sets it is emitted
 * in: the one source of truth, read by the sinks below, the Prometheus sink and
 * the Terraform checks of the dashboard and alarms. `[]` is the set with no
 * dimension (the whole gateway).
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

export type MetricName = keyof typeof metricDefinitions

/** Values observed together (one event), by metric. */
export type MetricValues = Partial<Record<MetricName, number>>

/**
 * Where metrics go: EMF documents on Lambda (`emfSink`), a Prometheus registry on
 * a laptop (`prometheusSink`). The handlers record through this and never know which.
 */
export interface MetricsSink {
  /**
   * Records values observed together, each metric in every dimension set of its
   * definition, the values of those dimensions taken from `dimensions`.
   */
  record(values: MetricValues, dimensions?: Record<string, string>): void
}

/** The dimension names a metric's sets use, each once, in the order its definition names them. */
export const dimensionsOf = (name: MetricName): string[] => [
  ...new Set<string>(metricDefinitions[name].dimensionSets.flat()),
]

const pick = (dimensions: Record<string, string>, names: readonly string[]) =>
  Object.fromEntries(names.map((name) => [name, dimensions[name] ?? '']))

/**
 * What Powertools Metrics has to say, minus its warning that a dimension appears
 * in several sets: nested sets (`[agent, operation]`, `[agent]`) share their keys
 * and values by design.
 */
const metricsLogger = {
  debug: console.debug,
  info: console.info,
  error: console.error,
  warn: (...content: unknown[]) => {
    if (!String(content[0]).includes('defined as both a dimension set and dimension set')) {
      console.warn(...content)
    }
  },
}

/** Each metric's dimension sets as one key: metrics with the same key go in one document. */
const groupKeyOf = Object.fromEntries(
  Object.entries(metricDefinitions).map(([name, { dimensionSets }]) => [
    name,
    JSON.stringify(dimensionSets),
  ]),
) as Record<MetricName, string>

/**
 * Metrics as CloudWatch EMF documents, written with Powertools Metrics. Each
 * dimension set of a definition is one `addDimensions` call (Powertools' own
 * support for several sets in one document); the default `service` dimension is
 * dropped so the sets are exactly those of `metricDefinitions`. One document per
 * group of metrics sharing their sets, per event: concurrent calls in one process
 * never mix, and a stream's metrics go out when it ends, after Middy's `after`.
 * One Powertools `Metrics` per group, made on first use and reused: a document
 * is filled and published in one synchronous turn, and publishing clears it.
 */
export const emfSink = (): MetricsSink => {
  const writers = new Map<string, Metrics>()
  const writerFor = (key: string) => {
    let metrics = writers.get(key)
    if (!metrics) {
      metrics = new Metrics({
        namespace: metricsNamespace,
        serviceName: 'switchboard',
        logger: metricsLogger,
      })
      metrics.clearDefaultDimensions()
      writers.set(key, metrics)
    }
    return metrics
  }
  return {
    record(values, dimensions = {}) {
      const groups = new Map<string, MetricName[]>()
      for (const name of Object.keys(values) as MetricName[]) {
        const key = groupKeyOf[name]
        const names = groups.get(key)
        if (names) names.push(name)
        else groups.set(key, [name])
      }
      for (const [key, names] of groups) {
        const metrics = writerFor(key)
        for (const set of metricDefinitions[names[0] as MetricName].dimensionSets) {
          metrics.addDimensions(pick(dimensions, set))
        }
        for (const name of names) {
          metrics.addMetric(name, MetricUnit[metricDefinitions[name].unit], values[name] as number)
        }
        metrics.publishStoredMetrics()
      }
    },
  }
}

/**
 * A call forwarded to an agent, however it ended: counted and timed per agent
 * and operation, and counted as failed when the agent or the gateway failed it
 * (5xx, a stream broken off, the agent unreachable). A streamed call is also a
 * stream, counted and timed per agent.
 */
export const recordCall = (
  sink: MetricsSink,
  call: {
    agentId: string
    operation: string
    durationMs: number
    failed: boolean
    streamed: boolean
  },
) =>
  sink.record(
    {
      Calls: 1,
      CallDuration: call.durationMs,
      ...(call.failed ? { CallFailures: 1 } : {}),
      ...(call.streamed ? { Streams: 1, StreamDuration: call.durationMs } : {}),
    },
    { agent: call.agentId, operation: call.operation },
  )

/**
 * A forwarded call already counted (`recordCall`) by the agent's status, found failed by what
 * its answer held: an answer the gateway withheld for the agent's fault.
 */
export const recordAgentFault = (sink: MetricsSink, call: { agentId: string; operation: string }) =>
  sink.record({ CallFailures: 1 }, { agent: call.agentId, operation: call.operation })

/** A call refused before it reached its agent, for the caller's limits. */
export const recordRefusal = (
  sink: MetricsSink,
  agentId: string,
  reason: 'rate-limit' | 'stream-limit',
) => sink.record({ CallsRefused: 1 }, { agent: agentId, reason })

/** A message `/route` sent to an agent, or kept back for want of a confident match. */
export const recordRoute = (sink: MetricsSink, chosen: string | undefined) =>
  chosen ? sink.record({ Routed: 1 }, { agent: chosen }) : sink.record({ RouteRefused: 1 })

/**
 * A request the authorizer turned away (API Gateway's 401), by why: the token
 * verifier's reason (`no bearer token`, jose's `ERR_JWT_EXPIRED`, …), with a
 * client id taken out so the dimension's values stay few.
 */
export const recordAuthorizerDenial = (sink: MetricsSink, reason: string) =>
  sink.record({ AuthorizerDenials: 1 }, { reason: reason.replace(/^client_id \S+ /, 'client_id ') })

/** An authorizer that failed (a database or JWKS failure: API Gateway's 500, never a 401). */
export const recordAuthorizerError = (sink: MetricsSink) => sink.record({ AuthorizerErrors: 1 })
