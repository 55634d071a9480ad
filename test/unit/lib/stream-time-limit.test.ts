import type { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { A2ACall } from '../../../lib/a2a/request.ts'
import { forwardReported } from '../../../lib/agents/forward.ts'
import { callRecorder, type ForwardReport } from '../../../lib/observability/call-recorder.ts'
import type { MetricsSink, MetricValues } from '../../../lib/observability/metrics.ts'
import { createTracing, requestTraceContext } from '../../../lib/observability/tracing.ts'
import { forwardOptionsWith } from '../../support/forward-options.ts'
import {
  streamingMessageTo,
  weatherRecord,
  workingTaskStream,
} from '../../support/weather-record.ts'

const agentUrl = 'http://weather.test/a2a'
const record = weatherRecord('HTTP+JSON', agentUrl)
const { call, incoming } = streamingMessageTo('a long job')

/** An agent at work on a long task, its stream open until the gateway lets it go. */
const longTaskFetch = async (_url: string | URL | Request, init?: RequestInit) =>
  workingTaskStream(init?.signal)

describe('a stream at the end of the time its function has', () => {
  it('is ended by the gateway, told to its caller, logged and counted, not cut off unseen', async () => {
    // Prepare: on Lambda a stream still open when the function's 15 minutes run out is killed
    // with it: no access line, no metric; here the function's time ends at once
    const recorded: MetricValues[] = []
    const sink: MetricsSink = { record: (values) => recorded.push(values) }
    const report: ForwardReport = {}
    let ended: () => void = () => {}
    const counted = new Promise<void>((resolve) => {
      ended = resolve
    })
    const finished = callRecorder(
      sink,
      { agentId: 'weather', operation: call.operation, stream: true },
      report,
    )

    // Act
    const answer = await forwardReported(
      record,
      call,
      incoming,
      { ...forwardOptionsWith(longTaskFetch as typeof fetch), endsAt: Date.now() },
      { context: requestTraceContext({}, undefined), tracing: await createTracing(false) },
      (outcome) => {
        finished(outcome)
        ended()
      },
    )
    const read: string[] = []
    for await (const chunk of answer.body as Readable) read.push(String(chunk))
    await counted

    // Assess: the caller's stream ends with an error event saying why; the access line says so
    // too; the call is counted as a call and a stream, not as the agent failing (it did not)
    expect(read.join('')).toContain('event: error')
    expect(read.join('')).toContain('time limit')
    expect(report.error).toContain('time limit')
    expect(recorded).toHaveLength(1)
    expect(recorded[0]).toMatchObject({ Calls: 1, Streams: 1 })
    expect(recorded[0]?.CallFailures).toBeUndefined()
  })
})

describe('a unary call at the end of the time its function has', () => {
  it('is answered 504 and counted before the function is killed, whatever timeoutMs the agent has', async () => {
    // Prepare: an agent given the most timeoutMs there is (15 minutes), which never answers
    const stalled = async (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      )
    const unary: A2ACall = {
      ...call,
      operation: 'SendMessage',
      stream: false,
      restPath: '/message:send',
    }
    const recorded: MetricValues[] = []
    const report: ForwardReport = {}
    const finished = callRecorder(
      { record: (values) => recorded.push(values) },
      { agentId: 'weather', operation: unary.operation, stream: false },
      report,
    )

    // Act
    const answer = await forwardReported(
      { ...record, timeoutMs: 900_000 },
      unary,
      incoming,
      { ...forwardOptionsWith(stalled as typeof fetch), endsAt: Date.now() },
      { context: requestTraceContext({}, undefined), tracing: await createTracing(false) },
      finished,
    ).catch((error: unknown) => error)

    // Assess: the agent's timeout, told and counted as one
    expect(answer).toMatchObject({ code: 'backend-timeout' })
    expect(recorded).toMatchObject([{ Calls: 1, CallFailures: 1 }])
  })
})
