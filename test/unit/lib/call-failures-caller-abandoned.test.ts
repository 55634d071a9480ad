import { PassThrough, type Readable } from 'node:stream'
import type { Request } from '@middy/core'
import { describe, expect, it } from 'vitest'
import { forwardReported } from '../../../lib/agents/forward.ts'
import type { ForwardCallOptions } from '../../../lib/backend/forward-call.ts'
import { callRecorder, type ForwardReport } from '../../../lib/observability/call-recorder.ts'
import type { MetricsSink, MetricValues } from '../../../lib/observability/metrics.ts'
import { createTracing, requestTraceContext } from '../../../lib/observability/tracing.ts'
import {
  TaskOwnedElsewhereError,
  type TaskOwners,
  UnrecordableTaskError,
} from '../../../lib/tasks/task-owners.ts'
import { streamConcurrency } from '../../../middlewares/stream-concurrency.ts'
import { passedThrough } from '../../../middlewares/support/response-body.ts'
import { taskOwnership } from '../../../middlewares/task-ownership.ts'
import { forwardOptionsWith } from '../../support/forward-options.ts'
import {
  streamingMessageTo,
  weatherRecord,
  workingTaskStream,
} from '../../support/weather-record.ts'

const agentUrl = 'http://weather.test/a2a'
const record = weatherRecord('HTTP+JSON', agentUrl)
const { call, incoming } = streamingMessageTo('hold on')

/** A healthy agent: it answers 200 with one event and keeps its stream open, as agents do. */
const healthyStreamingAgent = (): Omit<ForwardCallOptions, 'onEnd' | 'traceHeaders'> => {
  const fetch = async () => workingTaskStream()
  return forwardOptionsWith(fetch)
}

/** A sink that keeps what it was given. */
const keptSink = () => {
  const recorded: { values: MetricValues; dimensions?: Record<string, string> }[] = []
  const sink: MetricsSink = {
    record: (values, dimensions) => recorded.push({ values, dimensions }),
  }
  return { sink, recorded }
}

/** The healthy agent's stream, forwarded as the agents handler wires it (forwardReported with a callRecorder). */
const forwardedStream = async () => {
  const { sink, recorded } = keptSink()
  const report: ForwardReport = {}
  const answer = await forwardReported(
    record,
    call,
    incoming,
    healthyStreamingAgent(),
    { context: requestTraceContext({}, undefined), tracing: await createTracing(false) },
    callRecorder(sink, { agentId: 'weather', operation: call.operation, stream: true }, report),
  )
  return { answer, recorded, report }
}

/** Waits for the call to be counted: its recorder runs once the relay has closed. */
const counted = async (recorded: unknown[]) => {
  for (let i = 0; i < 100 && recorded.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('CallFailures when the caller, not the agent, ends a stream', () => {
  it('does not count a stream the caller walked away from as the agent failing (no false agent-failures alarm)', async () => {
    // Prepare: the agents handler's wiring, and the access log's wrapping of the streamed
    // answer (passedThrough) between it and the caller.
    const { answer, recorded, report } = await forwardedStream()
    const toCaller = passedThrough(answer.body as Readable, new PassThrough())
    const firstEvent = new Promise((resolve) => toCaller.once('data', resolve))

    // Act: the caller reads the agent's first event, then closes its connection.
    await firstEvent
    toCaller.destroy()
    await counted(recorded)

    // Assess: one call, one stream, the agent answered 200 and never failed.
    expect(answer.statusCode).toBe(200)
    expect(report.agentStatus).toBe(200)
    expect(recorded).toHaveLength(1)
    expect(recorded[0]?.dimensions).toEqual({ agent: 'weather', operation: 'SendStreamingMessage' })
    expect(recorded[0]?.values).toMatchObject({ Calls: 1, Streams: 1 })
    expect(recorded[0]?.values.CallFailures).toBeUndefined()
  })
})

describe('CallFailures when the gateway withholds the rest of a stream', () => {
  /**
   * A stream through the agents handler's chain (its relay, the stream's slot, the task
   * owner's check, the access log's wrapping) whose first event's task `recordTasks` refuses.
   */
  const withheldStream = async (recordTasks: TaskOwners['record']) => {
    const { answer, recorded, report } = await forwardedStream()
    const request = {
      event: {},
      context: { a2a: { kind: 'call', call }, caller: { principal: 'client-1', allTasksOn: [] } },
      response: answer,
      internal: {},
    } as unknown as Request
    const slots = streamConcurrency({
      slots: {
        acquire: async () => ({ principal: 'client-1', resource: 'weather', id: 's' }),
        release: async () => undefined,
      },
      subject: () => ({ principal: 'client-1', resource: 'weather', limit: 2 }),
      limitedResponse: () => ({ statusCode: 429, body: '' }),
    })
    await slots.before?.(request as never)
    request.response = answer
    await slots.after?.(request as never)
    const owners: TaskOwners = {
      record: recordTasks,
      ownerOf: async () => undefined,
      taskOf: async () => undefined,
      ownedBy: async () => new Set<string>(),
    } as unknown as TaskOwners
    await taskOwnership({ owners }).after?.(request as never)
    const toCaller = passedThrough((request.response as { body: Readable }).body, new PassThrough())
    const read: string[] = []
    toCaller.on('data', (chunk) => read.push(String(chunk)))
    await new Promise((resolve) => toCaller.once('close', resolve))
    await counted(recorded)
    return { read: read.join(''), recorded, report }
  }

  it.each([
    [
      'the agent naming a task another caller created',
      new TaskOwnedElsewhereError('weather', 't-1'),
    ],
    [
      'the agent naming a task by an id too long to record',
      new UnrecordableTaskError('weather', 't'.repeat(3000)),
    ],
  ])(
    'counts a stream withheld for %s as failed, not as the caller going away',
    async (_what, refusal) => {
      // Act
      const { read, recorded, report } = await withheldStream(async () => {
        throw refusal
      })

      // Assess: the caller read why; the line and the metric say the gateway ended it.
      expect(read).toContain('withheld')
      expect(report.error).toMatch(
        /^StreamWithheldError: The stream from agent 'weather' was withheld/,
      )
      expect(recorded[0]?.values).toMatchObject({ Calls: 1, CallFailures: 1 })
    },
  )

  it('does not count a stream withheld because the gateway could not record its task as the agent failing', async () => {
    // Act: the gateway's own database refuses the task owner's write.
    const { read, recorded, report } = await withheldStream(async () => {
      throw new Error('ProvisionedThroughputExceededException')
    })

    // Assess: the caller and the access line are told; the agent's failure alarm is not, as
    // for a unary answer withheld so.
    expect(read).toContain('could not record the task as yours')
    expect(report.error).toMatch(/^StreamWithheldError: .*could not record the task as yours/)
    expect(recorded[0]?.values).toMatchObject({ Calls: 1 })
    expect(recorded[0]?.values.CallFailures).toBeUndefined()
  })
})
