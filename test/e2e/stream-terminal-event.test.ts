import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { wholeEvents } from '../../lib/a2a/sse.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { textMessageParams } from '../support/a2a-client.ts'
import { captureOutput } from '../support/captured-output.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/** How many events a hostile agent sends after its task's end, one each 100 ms, unless cut off. */
const eventsAfterTheEnd = 30

/** What each stream the agents were asked for came to: the events sent past the end, and whether the socket closed first. */
const streams: { agentId: string; sentAfter: number; cutOff: boolean; closed: boolean }[] = []

/** A 1.0 stream's events: the task, working, then what `last` says. */
const events10 = (taskId: string, last: 'TASK_STATE_COMPLETED' | 'TASK_STATE_AUTH_REQUIRED') => [
  { task: { id: taskId, contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } } },
  { statusUpdate: { taskId, contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } } },
  {
    artifactUpdate: {
      taskId,
      contextId: 'c-1',
      artifact: { artifactId: 'a-1', parts: [{ text: 'the answer' }] },
    },
  },
  { statusUpdate: { taskId, contextId: 'c-1', status: { state: last } } },
]

/** A 0.3 JSON-RPC stream's results: the task, working, the answer, then `final`. */
const events03 = (taskId: string) => [
  { kind: 'task', id: taskId, contextId: 'c-1', status: { state: 'working' } },
  { kind: 'status-update', taskId, contextId: 'c-1', status: { state: 'working' }, final: false },
  {
    kind: 'artifact-update',
    taskId,
    contextId: 'c-1',
    artifact: { artifactId: 'a-1', parts: [{ kind: 'text', text: 'the answer' }] },
  },
  { kind: 'status-update', taskId, contextId: 'c-1', status: { state: 'completed' }, final: true },
]

/** The task as it ended, resent after the terminal status update (A2A 1.0 §11.7 allows it). */
const snapshotOf = (taskId: string, version: '1.0' | '0.3') =>
  version === '0.3'
    ? { kind: 'task', id: taskId, contextId: 'c-1', status: { state: 'completed' } }
    : { task: { id: taskId, contextId: 'c-1', status: { state: 'TASK_STATE_COMPLETED' } } }

let taskCount = 0

/** Lets the `gated` agent send its event past the end: resolved by the test that waits for it. */
let releaseGated = () => {}
const gateOpened = new Promise<void>((resolve) => {
  releaseGated = resolve
})

/**
 * What an agent does after its stream's events: `hostile`, keeps sending a working status update
 * every 100 ms (`eventsAfterTheEnd` of them) until its socket closes; `tidy`, ends its stream;
 * `patient`, the same but its last event ends nothing; `snapshot`, sends the task's final
 * snapshot and ends; `snapshot-then-more`, sends the snapshot, then goes on as `hostile`;
 * `other-then-snapshot`, sends an artifact update, the snapshot, and ends; `gated`, sends the
 * snapshot, then one event more once `releaseGated` is called.
 */
type After =
  | 'hostile'
  | 'tidy'
  | 'patient'
  | 'snapshot'
  | 'snapshot-then-more'
  | 'other-then-snapshot'
  | 'gated'

/** An agent that streams a task to its end (auth-required, if `patient`), then does as `after` says. */
const scripted =
  (agentId: string, version: '1.0' | '0.3', after: After) =>
  async (request: IncomingMessage, body: string, response: ServerResponse) => {
    const rpc = request.url?.startsWith('/rpc') ?? false
    const call = rpc ? (JSON.parse(body) as { id: unknown; params?: { id?: string } }) : undefined
    const asEvent = (payload: unknown) =>
      `data: ${JSON.stringify(call ? { jsonrpc: '2.0', id: call.id, result: payload } : payload)}\n\n`
    // A subscription streams the task it names (its first event the task as it stands).
    const subscribed =
      /\/tasks\/([^/:]+):subscribe/.exec(request.url ?? '')?.[1] ?? call?.params?.id
    const taskId = subscribed ?? `t-${agentId}-${++taskCount}`
    const record = { agentId, sentAfter: 0, cutOff: false, closed: false }
    streams.push(record)
    let closed = false
    response.on('close', () => {
      closed = true
      record.closed = true
      record.cutOff = !response.writableFinished
    })
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    const events =
      version === '0.3'
        ? events03(taskId)
        : events10(
            taskId,
            after === 'patient' ? 'TASK_STATE_AUTH_REQUIRED' : 'TASK_STATE_COMPLETED',
          )
    for (const event of events) response.write(asEvent(event))
    if (after === 'other-then-snapshot') response.write(asEvent(events[2]))
    if (after.includes('snapshot') || after === 'gated') {
      response.write(asEvent(snapshotOf(taskId, version)))
    }
    if (after === 'gated') {
      await gateOpened
      if (!closed) response.write(asEvent(events[1]))
    }
    if (after !== 'hostile' && after !== 'snapshot-then-more') {
      response.end()
      return
    }
    while (!closed && record.sentAfter < eventsAfterTheEnd) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      if (closed) break
      record.sentAfter++
      const working =
        version === '0.3'
          ? { kind: 'status-update', taskId, status: { state: 'working' }, final: false }
          : { statusUpdate: { taskId, status: { state: 'TASK_STATE_WORKING' } } }
      response.write(asEvent(working))
      // A comment too: no more an event than the data after the end.
      response.write(': still here\n\n')
    }
    if (!closed) response.end()
  }

/** The agents, by id, to count the connections each accepted. */
const agentsById = new Map<string, Awaited<ReturnType<typeof startScriptedAgent>>>()

describe('a stream the agent keeps sending on after its terminal event', () => {
  let stack: RunningStack
  let token: string
  let written: string[] = []
  const agents: Awaited<ReturnType<typeof startScriptedAgent>>[] = []
  const before = process.env.POWERTOOLS_LOG_LEVEL

  beforeAll(async () => {
    process.env.MAX_CONCURRENT_STREAMS = '1'
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO'
    written = captureOutput()
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    const specs = [
      { agentId: 'hostile', version: '1.0', bindings: ['JSONRPC', 'HTTP+JSON'] },
      { agentId: 'hostile-rest', version: '1.0', bindings: ['HTTP+JSON'] },
      { agentId: 'hostile-legacy', version: '0.3', bindings: ['JSONRPC'] },
      { agentId: 'patient', version: '1.0', bindings: ['HTTP+JSON'], after: 'patient' },
      { agentId: 'tidy', version: '1.0', bindings: ['HTTP+JSON'], after: 'tidy' },
      {
        agentId: 'snapshot',
        version: '1.0',
        bindings: ['JSONRPC', 'HTTP+JSON'],
        after: 'snapshot',
      },
      { agentId: 'snapshot-rest', version: '1.0', bindings: ['HTTP+JSON'], after: 'snapshot' },
      { agentId: 'snapshot-legacy', version: '0.3', bindings: ['JSONRPC'], after: 'snapshot' },
      {
        agentId: 'snapshot-more',
        version: '1.0',
        bindings: ['JSONRPC', 'HTTP+JSON'],
        after: 'snapshot-then-more',
      },
      {
        agentId: 'other-first',
        version: '1.0',
        bindings: ['JSONRPC', 'HTTP+JSON'],
        after: 'other-then-snapshot',
      },
      { agentId: 'gated', version: '1.0', bindings: ['HTTP+JSON'], after: 'gated' },
    ] as const
    for (const spec of specs) {
      const agent = await startScriptedAgent({
        bindings: [...spec.bindings],
        protocolVersion: spec.version,
        answer: scripted(spec.agentId, spec.version, 'after' in spec ? spec.after : 'hostile'),
      })
      agents.push(agent)
      agentsById.set(spec.agentId, agent)
      await registerAgents(stack, [
        { agentId: spec.agentId, backendUrl: agent.url, agentCardUrl: agent.cardUrl },
      ])
    }
    await grantToDemoClient(specs.map(({ agentId }) => agentId))
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    for (const agent of agents) await agent.stop()
    await stack.stop()
    if (before === undefined) delete process.env.POWERTOOLS_LOG_LEVEL
    else process.env.POWERTOOLS_LOG_LEVEL = before
    delete process.env.MAX_CONCURRENT_STREAMS
  })

  const legacyMessage = {
    message: {
      kind: 'message',
      messageId: 'm-1',
      role: 'user',
      parts: [{ kind: 'text', text: 'go' }],
    },
  }

  /** A stream call through the gateway, by how the caller speaks. */
  const calls = {
    '1.0 HTTP+JSON': (agentId: string) =>
      fetch(`${stack.url}/agents/${agentId}/message:stream`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
        },
        body: JSON.stringify(textMessageParams('go')),
      }),
    '1.0 JSON-RPC': (agentId: string) =>
      fetch(`${stack.url}/agents/${agentId}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'SendStreamingMessage',
          params: textMessageParams('go'),
        }),
      }),
    '0.3 HTTP+JSON': (agentId: string) =>
      fetch(`${stack.url}/agents/${agentId}/v1/message:stream`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '0.3',
        },
        body: JSON.stringify({
          message: { messageId: 'm-1', role: 'ROLE_USER', content: [{ text: 'go' }] },
        }),
      }),
    '0.3 JSON-RPC': (agentId: string) =>
      fetch(`${stack.url}/agents/${agentId}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '0.3',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'message/stream',
          params: legacyMessage,
        }),
      }),
  }

  /** The events the caller got, read to the stream's end, each event's payload. */
  const payloads = async (response: Response) =>
    wholeEvents(await response.text()).map(({ data }) => {
      const parsed = JSON.parse(data) as { result?: unknown }
      return 'jsonrpc' in parsed ? parsed.result : parsed
    })

  it.each([
    ['1.0 HTTP+JSON', 'hostile', 'passed through', 'TASK_STATE_COMPLETED'],
    ['1.0 JSON-RPC', 'hostile', 'passed through', 'TASK_STATE_COMPLETED'],
    ['0.3 JSON-RPC', 'hostile-legacy', 'passed through', 'completed'],
    ['1.0 JSON-RPC', 'hostile-rest', 'translated from HTTP+JSON', 'TASK_STATE_COMPLETED'],
    ['0.3 JSON-RPC', 'hostile', 'translated from 1.0', 'completed'],
  ] as const)(
    'ends a %s caller’s stream from %s (%s) at the terminal event, the agent let go',
    async (caller, agentId, _how, state) => {
      // Act
      const response = await calls[caller](agentId)
      const got = await payloads(response)

      // Assess: the four events and nothing after the task's end; the agent cut off, not done
      expect(response.status).toBe(200)
      expect(got).toHaveLength(4)
      expect(JSON.stringify(got.at(-1))).toContain(`"state":"${state}"`)
      await vi.waitFor(() => expect(streams.at(-1)?.cutOff).toBe(true))
      expect(streams.at(-1)?.sentAfter).toBeLessThan(eventsAfterTheEnd)
    },
  )

  it('gives the stream’s slot back: a second stream is let in under a cap of one', async () => {
    // Prepare: a stream ended at its terminal event, read to its end
    const first = await calls['1.0 HTTP+JSON']('hostile')
    const firstEvents = await payloads(first)

    // Act
    const second = await calls['1.0 HTTP+JSON']('hostile')
    const secondEvents = await payloads(second)

    // Assess
    expect(firstEvents).toHaveLength(4)
    expect(second.status).toBe(200)
    expect(secondEvents).toHaveLength(4)
  })

  it('ends SubscribeToTask’s stream at the terminal event too', async () => {
    // Prepare: a task the caller made (recorded as its own from its stream)
    const sent = await payloads(await calls['1.0 HTTP+JSON']('hostile'))
    const taskId = (sent[0] as { task: { id: string } }).task.id

    // Act
    const response = await fetch(`${stack.url}/agents/hostile/tasks/${taskId}:subscribe`, {
      headers: { authorization: `Bearer ${token}`, 'a2a-version': '1.0' },
    })
    const got = await payloads(response)

    // Assess
    expect(response.status).toBe(200)
    expect(got).toHaveLength(4)
    await vi.waitFor(() => expect(streams.at(-1)?.cutOff).toBe(true))
  })

  it('says in the access line that the gateway ended the stream at its terminal event', async () => {
    // Act
    await payloads(await calls['1.0 JSON-RPC']('hostile'))

    // Assess
    await vi.waitFor(() => {
      const lines = written
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.includes('"message":"access"') && line.includes('"agent":"hostile"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(lines.at(-1)).toMatchObject({
        operation: 'SendStreamingMessage',
        status: 200,
        streamEnd: 'terminal-event',
      })
      expect(lines.at(-1)).not.toHaveProperty('error')
    })
  })

  it('says apart, in a warning naming the call, that an agent was cut off after its stream; of a tidy one, nothing', async () => {
    // Act: a tidy agent's stream, then a hostile one's
    await payloads(await calls['1.0 HTTP+JSON']('tidy'))
    const hostile = await calls['1.0 JSON-RPC']('hostile')
    await payloads(hostile)

    // Assess
    const warnings = () =>
      written
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.includes('"message":"agent cut off after its stream ended"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    await vi.waitFor(() =>
      expect(warnings().at(-1)).toMatchObject({
        level: 'WARN',
        agentId: 'hostile',
        operation: 'SendStreamingMessage',
        reason: 'sent-more',
        callRequestId: hostile.headers.get('x-amzn-requestid'),
      }),
    )
    expect(warnings().filter((line) => line.agentId === 'tidy')).toEqual([])
  })

  it('names the trace of the call it served in the warning, though another call came between', async () => {
    // Prepare: two calls, each in a trace of the caller's
    const traces = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c']
    const inTrace = (agentId: string, traceId: string) =>
      fetch(`${stack.url}/agents/${agentId}/message:stream`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
        body: JSON.stringify(textMessageParams('go')),
      })

    // Act: the gated agent's stream to its end, another call, then the gated agent sends more
    const gated = await inTrace('gated', traces[0] as string)
    await payloads(gated)
    await payloads(await inTrace('tidy', traces[1] as string))
    releaseGated()

    // Assess: the line says the trace of the call whose agent was cut off, not the last one's
    const warning = () =>
      written
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.includes('"message":"agent cut off after its stream ended"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.agentId === 'gated')
    await vi.waitFor(() =>
      expect(warning()).toMatchObject({
        reason: 'sent-more',
        callRequestId: gated.headers.get('x-amzn-requestid'),
        traceId: traces[0],
      }),
    )
  })

  it('passes a stream with no terminal event on whole, to the agent’s own end', async () => {
    // Act: working, an answer, then auth-required, which ends no stream (A2A §7.6.1)
    const response = await calls['1.0 HTTP+JSON']('patient')
    const got = await payloads(response)

    // Assess
    expect(got).toHaveLength(4)
    expect(JSON.stringify(got.at(-1))).toContain('TASK_STATE_AUTH_REQUIRED')
    await vi.waitFor(() => expect(streams.at(-1)?.closed).toBe(true))
    expect(streams.at(-1)?.cutOff).toBe(false)
    await vi.waitFor(() => {
      const line = written
        .flatMap((chunk) => chunk.split('\n'))
        // The call's line, not the registration's, which names the agent too
        .find(
          (line) =>
            line.includes('"message":"access"') &&
            line.includes('"agent":"patient"') &&
            line.includes('"operation":'),
        )
      expect(line).toBeDefined()
      // The agent ended it before any terminal event: said, not counted as a failure
      expect(JSON.parse(line as string)).toMatchObject({ streamEnd: 'no-terminal-event' })
    })
  })

  it.each([
    ['1.0 HTTP+JSON', 'passed through'],
    ['1.0 JSON-RPC', 'translated from HTTP+JSON'],
  ] as const)(
    'keeps the agent’s connection for its next call when the agent ends its stream after the terminal event (%s, %s)',
    async (caller, _how) => {
      // Prepare: one stream, so that a connection is open
      await payloads(await calls[caller]('tidy'))
      const before = agentsById.get('tidy')?.connections()

      // Act: three more, one after another
      const counts: number[] = []
      for (let stream = 0; stream < 3; stream++) {
        counts.push((await payloads(await calls[caller]('tidy'))).length)
      }

      // Assess: each ended at its terminal event, over the connection the first one opened
      expect(counts).toEqual([4, 4, 4])
      expect(agentsById.get('tidy')?.connections()).toBe(before)
    },
  )

  /** The caller's last event as the task snapshot, in its binding and version. */
  const snapshotIn = (caller: keyof typeof calls) =>
    caller === '0.3 JSON-RPC'
      ? { kind: 'task', status: { state: 'completed' } }
      : { task: { status: { state: 'TASK_STATE_COMPLETED' } } }

  it.each([
    ['1.0 HTTP+JSON', 'snapshot', 'passed through'],
    ['1.0 JSON-RPC', 'snapshot', 'passed through'],
    ['0.3 JSON-RPC', 'snapshot-legacy', 'passed through'],
    ['1.0 JSON-RPC', 'snapshot-rest', 'translated from HTTP+JSON'],
    ['0.3 JSON-RPC', 'snapshot', 'translated from 1.0'],
    ['0.3 HTTP+JSON', 'snapshot', 'translated from 1.0'],
  ] as const)(
    'relays to a %s caller the Task snapshot %s (%s) sends after its terminal status update, then ends',
    async (caller, agentId, _how) => {
      // Act
      const response = await calls[caller](agentId)
      const got = await payloads(response)

      // Assess: the four events, then the snapshot; the agent ended its stream, not cut off
      expect(response.status).toBe(200)
      expect(got).toHaveLength(5)
      expect(got.at(-1)).toMatchObject(snapshotIn(caller))
      await vi.waitFor(() => expect(streams.at(-1)?.closed).toBe(true))
      expect(streams.at(-1)?.cutOff).toBe(false)
    },
  )

  it.each(['1.0 HTTP+JSON', '1.0 JSON-RPC'] as const)(
    'relays to a %s caller the snapshot and nothing after it, the agent let go',
    async (caller) => {
      // Act
      const got = await payloads(await calls[caller]('snapshot-more'))

      // Assess
      expect(got).toHaveLength(5)
      expect(got.at(-1)).toMatchObject(snapshotIn(caller))
      await vi.waitFor(() => expect(streams.at(-1)?.cutOff).toBe(true))
      expect(streams.at(-1)?.sentAfter).toBeLessThan(eventsAfterTheEnd)
    },
  )

  it.each(['1.0 HTTP+JSON', '1.0 JSON-RPC'] as const)(
    'relays to a %s caller no other event after the terminal status update, nor a snapshot after that',
    async (caller) => {
      // Act: completed, then an artifact update, then the snapshot
      const got = await payloads(await calls[caller]('other-first'))

      // Assess
      expect(got).toHaveLength(4)
      expect(JSON.stringify(got.at(-1))).toContain('"state":"TASK_STATE_COMPLETED"')
      expect(got.at(-1)).toHaveProperty('statusUpdate')
    },
  )

  it('says in the access line that the gateway ended a stream with its snapshot at its terminal event', async () => {
    // Act
    await payloads(await calls['1.0 HTTP+JSON']('snapshot'))

    // Assess
    await vi.waitFor(() => {
      const lines = written
        .flatMap((chunk) => chunk.split('\n'))
        .filter(
          (line) => line.includes('"message":"access"') && line.includes('"agent":"snapshot"'),
        )
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(lines.at(-1)).toMatchObject({ status: 200, streamEnd: 'terminal-event' })
      expect(lines.at(-1)).not.toHaveProperty('error')
    })
  })
})
