import { afterEach, describe, expect, it, vi } from 'vitest'
import { emfSink, recordCall, recordRefusal } from '../../../lib/observability/metrics.ts'

interface EmfDocument {
  _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] }
  [key: string]: unknown
}

/** The EMF documents the sink wrote to stdout while `act` ran. */
const written = (act: () => void): EmfDocument[] => {
  const lines: string[] = []
  const write = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      return true
    })
  try {
    act()
  } finally {
    write.mockRestore()
  }
  return lines.map((line) => JSON.parse(line) as EmfDocument)
}

afterEach(() => vi.restoreAllMocks())

describe('emfSink', () => {
  it('writes each event in documents of its own: no dimension or value of one event carries into the next', () => {
    // Prepare
    const sink = emfSink()

    // Act
    const documents = written(() => {
      recordCall(sink, {
        agentId: 'weather',
        operation: 'SendStreamingMessage',
        durationMs: 12,
        failed: true,
        streamed: true,
      })
      recordCall(sink, {
        agentId: 'calculator',
        operation: 'GetTask',
        durationMs: 3,
        failed: false,
        streamed: false,
      })
      recordRefusal(sink, 'calculator', 'rate-limit')
    })

    // Assess
    const withoutTimestamps = documents.map(({ _aws, ...rest }) => ({
      sets: _aws.CloudWatchMetrics[0]?.Dimensions,
      metrics: _aws.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name),
      ...rest,
    }))
    expect(withoutTimestamps).toEqual([
      {
        sets: [['agent', 'operation'], ['agent'], []],
        metrics: ['Calls', 'CallFailures'],
        agent: 'weather',
        operation: 'SendStreamingMessage',
        Calls: 1,
        CallFailures: 1,
      },
      {
        sets: [['agent', 'operation'], ['agent']],
        metrics: ['CallDuration'],
        agent: 'weather',
        operation: 'SendStreamingMessage',
        CallDuration: 12,
      },
      {
        sets: [['agent']],
        metrics: ['Streams', 'StreamDuration'],
        agent: 'weather',
        Streams: 1,
        StreamDuration: 12,
      },
      {
        sets: [['agent', 'operation'], ['agent'], []],
        metrics: ['Calls'],
        agent: 'calculator',
        operation: 'GetTask',
        Calls: 1,
      },
      {
        sets: [['agent', 'operation'], ['agent']],
        metrics: ['CallDuration'],
        agent: 'calculator',
        operation: 'GetTask',
        CallDuration: 3,
      },
      {
        sets: [['agent', 'reason'], ['reason']],
        metrics: ['CallsRefused'],
        agent: 'calculator',
        reason: 'rate-limit',
        CallsRefused: 1,
      },
    ])
  })
})
