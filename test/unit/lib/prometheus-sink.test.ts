import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { recordCall, recordRefusal } from '../../../lib/observability/metrics.ts'
import { prometheusSink } from '../../../lib/observability/prometheus-sink.ts'

describe('prometheusSink', () => {
  it('counts and times each call under every label its dimension sets use, a missing one empty', async () => {
    // Prepare
    const registry = new Registry()
    const sink = prometheusSink(registry)

    // Act
    for (const durationMs of [3, 40]) {
      recordCall(sink, {
        agentId: 'weather',
        operation: 'SendMessage',
        durationMs,
        failed: false,
        streamed: false,
      })
    }
    recordRefusal(sink, 'weather', 'rate-limit')
    sink.record({ Calls: 1 }, { agent: 'calculator' })

    // Assess
    const text = await registry.metrics()
    expect(text).toContain('switchboard_calls_total{agent="weather",operation="SendMessage"} 2')
    expect(text).toContain('switchboard_calls_total{agent="calculator",operation=""} 1')
    expect(text).toContain(
      'switchboard_call_duration_milliseconds_bucket{le="5",agent="weather",operation="SendMessage"} 1',
    )
    expect(text).toContain(
      'switchboard_call_duration_milliseconds_count{agent="weather",operation="SendMessage"} 2',
    )
    expect(text).toContain('switchboard_calls_refused_total{agent="weather",reason="rate-limit"} 1')
  })

  it('records into the metrics already in the registry: two sinks on one registry count together', async () => {
    // Prepare
    const registry = new Registry()
    const first = prometheusSink(registry)
    const second = prometheusSink(registry)

    // Act
    first.record({ Routed: 1 }, { agent: 'weather' })
    second.record({ Routed: 1 }, { agent: 'weather' })

    // Assess
    expect(await registry.metrics()).toContain('switchboard_routed_total{agent="weather"} 2')
  })
})
