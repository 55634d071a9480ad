import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import {
  gatewayClient,
  jsonRpc,
  postA2A,
  textMessage,
  textMessageParams,
} from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { agentWithTaskOfA } from '../support/stack-setup.ts'

/**
 * Rule 5, "Tasks belong to their caller", for a stream passed through untranslated: the gateway
 * reads each event for the tasks it names (`tasksInEvents`, lib/tasks/task-calls.ts) before the
 * caller's client does, so the two must read the stream alike. Found by a red-team review: the
 * gateway skipped `event: error` blocks, which the official client's JSON-RPC transport reads as
 * results whatever their type, and missed events ended by `\n\r\n`, a blank line to the SSE spec
 * and to the client; either way caller A's task reached caller B, neither withheld nor recorded.
 */
describe('a task named in a stream, however the stream is framed', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let tokenA: string
  let tokenB: string
  const taskOfA = 'task-of-a'

  const task = (id: string) => ({
    id,
    contextId: 'ctx-a',
    status: { state: 'TASK_STATE_WORKING' },
  })
  const message = {
    messageId: 'm-1',
    role: 'ROLE_AGENT',
    parts: [{ text: 'working on it' }],
  }

  /** What the agent streams, by the text of the caller's message: a list is written a part at a time. */
  const streams: Record<string, (id: number | string) => string | string[]> = {
    plain: (id) =>
      `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task: task(taskOfA) } })}\n\n`,
    'event-error': (id) =>
      `event: error\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task: task(taskOfA) } })}\n\n`,
    'mixed-line-ends': (id) =>
      `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { message } })}\n\r\n` +
      `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task: task(taskOfA) } })}\n\n`,
    // A byte-order mark is passed over at a stream's start only: here it opens a field the
    // client does not know, whose line the gateway once read as data, so that the event's data
    // was no JSON to it while the client read the task.
    'bom-mid-stream': (id) => [
      `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task: task('task-of-b') } })}\n\n`,
      `\uFEFFdata: {\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task: task(taskOfA) } })}\n\n`,
    ],
    // A comment to the SSE spec and to the gateway; before httpx-sse 0.4.2 (a2a-python's client),
    // lines were split as Python's `splitlines` splits them, at U+2028 too: a data line after it.
    'line-separator': (id) => [
      `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task: task('task-of-b') } })}\n\n`,
      `: note\u2028data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task: task(taskOfA) } })}\n\n`,
    ],
    // `NaN` is no JSON to JSON.parse, which the gateway reads with; a2a-python's client reads a
    // stream's events with Python's `json.loads`, which takes it as a number.
    'not-json-to-the-gateway': (id) =>
      `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task: { ...task(taskOfA), metadata: { n: 0 } } } }).replace('"n":0', '"n":NaN')}\n\n`,
  }

  const answer = async (_request: IncomingMessage, body: string, response: ServerResponse) => {
    const rpc = JSON.parse(body)
    if (rpc.method === 'SendMessage') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: { task: task(taskOfA) } }))
      return
    }
    if (rpc.method === 'GetTask') {
      // A one-shot answer labelled an event stream, naming another task than the one asked about.
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.end(
        `data: ${JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: { task: task('task-of-c') } })}\n\n`,
      )
      return
    }
    const text = rpc.params?.message?.parts?.[0]?.text as string
    const stream = streams[text]
    if (rpc.method !== 'SendStreamingMessage' || !stream) {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({ jsonrpc: '2.0', id: rpc.id, error: { code: -32601, message: 'no' } }),
      )
      return
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    const parts = stream(rpc.id)
    // One write: the relay passes the whole run of events on as one chunk.
    if (typeof parts === 'string') return void response.end(parts)
    // A part at a time, each its own chunk at the gateway.
    for (const part of parts) {
      response.write(part)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    response.end()
  }

  beforeAll(async () => {
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({ bindings: ['JSONRPC'], answer })
    ;({ tokenA, tokenB } = await agentWithTaskOfA(
      stack,
      { agentId: 'framing-agent', backendUrl: `${agent.url}/rpc`, agentCardUrl: agent.cardUrl },
      taskOfA,
    ))
  }, 60_000)
  afterAll(async () => {
    await agent?.stop()
    await stack?.stop()
  })

  /** The task ids caller B's official client is handed by a stream, and whether it ended in an error. */
  const streamedToB = async (text: string) => {
    const client = await gatewayClient(`${stack.url}/agents/framing-agent/`, tokenB, 'JSONRPC')
    const taskIds: string[] = []
    let failed: unknown
    try {
      for await (const event of client.sendMessageStream(textMessage(text))) {
        const serialized = JSON.stringify(event)
        if (serialized.includes(taskOfA)) taskIds.push(taskOfA)
      }
    } catch (error) {
      failed = error
    }
    return { taskIds, failed: failed !== undefined }
  }

  it("control: a plain event naming A's task is withheld from B (the stream ends in error)", async () => {
    // Act
    const seen = await streamedToB('plain')

    // Assess
    expect(seen).toEqual({ taskIds: [], failed: true })
  })

  it("withholds from B an event naming A's task whose data Python's json.loads reads and JSON.parse does not", async () => {
    // Act: what caller B's client is sent, read as a2a-python's client reads each event
    const answer = await postA2A(
      `${stack.url}/agents/framing-agent`,
      tokenB,
      jsonRpc('SendStreamingMessage', textMessageParams('not-json-to-the-gateway')),
    )
    const text = await answer.text()

    // Assess: the event never reaches B; the stream ends with the gateway's error instead
    expect(text).not.toContain(taskOfA)
    expect(text).toContain('the gateway withheld it')
  })

  it("withholds from B a line that names A's task where a client splitting lines at U+2028 reads data", async () => {
    // Act
    const answer = await postA2A(
      `${stack.url}/agents/framing-agent`,
      tokenB,
      jsonRpc('SendStreamingMessage', textMessageParams('line-separator')),
    )
    const text = await answer.text()

    // Assess
    expect(text).not.toContain(taskOfA)
    expect(text).toContain('the gateway withheld it')
  })

  it.each([
    ['event-error', 'an `event: error` block whose data is a result naming the task'],
    ['mixed-line-ends', 'two events, the first ending in \\n\\r\\n'],
    ['bom-mid-stream', 'an event whose first line starts with a byte-order mark, after another'],
  ])("never hands caller B caller A's task in a stream: %s (%s)", async (mode) => {
    // Act
    const seen = await streamedToB(mode)

    // Assess: as for the plain event, B is never handed A's task.
    expect(seen.taskIds).toEqual([])
  })

  it("counts a unary answer naming A's task, withheld from B, as the agent's failure", async () => {
    // Act: the agent answers B's message with A's task.
    const answer = await postA2A(
      `${stack.url}/agents/framing-agent`,
      tokenB,
      jsonRpc('SendMessage', textMessageParams('hand me a task')),
    )
    const text = await answer.text()
    const metrics = await (await fetch(`${stack.url}/metrics`)).text()

    // Assess: withheld, and counted where the agent-failures alarm looks.
    expect(text).not.toContain(taskOfA)
    expect(metrics).toContain(
      'switchboard_call_failures_total{agent="framing-agent",operation="SendMessage"} 1',
    )
  })

  it('refuses a one-shot answer labelled an event stream, which a client may read either way', async () => {
    // Act: caller A asks for its own task; the agent answers GetTask as events
    const answer = await postA2A(
      `${stack.url}/agents/framing-agent`,
      tokenA,
      jsonRpc('GetTask', { id: taskOfA }),
    )
    const text = await answer.text()

    // Assess: never passed on, whatever it names
    expect(text).not.toContain('task-of-c')
    expect(text).toContain('sent an event stream for a call that is not a stream')
  })
})
