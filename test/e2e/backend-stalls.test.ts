import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sseEvents } from '../../lib/a2a/sse.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

const workingEvent = JSON.stringify({
  statusUpdate: {
    taskId: 't-1',
    contextId: 'c-1',
    status: { state: 'TASK_STATE_WORKING' },
  },
})

/** What each scripted agent does with a request, by agent id. */
const behaviours: Record<string, (response: ServerResponse) => void | Promise<void>> = {
  // Takes the request and never answers, not even with headers.
  mute: () => undefined,
  // One whole event, half of the next, then a clean end of the connection.
  truncated: async (response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.write(`data: ${workingEvent}\n\n`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    response.end(`data: ${workingEvent.slice(0, 20)}`)
  },
  // One whole event, half of the next, then the connection breaks.
  severed: async (response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.write(`data: ${workingEvent}\n\n`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    response.write(`data: ${workingEvent.slice(0, 20)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    response.destroy()
  },
  // One whole event, then 3 MiB of one event that never ends, then a clean end.
  flooding: async (response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.write(`data: ${workingEvent}\n\n`)
    response.write('data: ')
    for (let sent = 0; sent < 3 * 1024 * 1024; sent += 64 * 1024) {
      if (!response.write('x'.repeat(64 * 1024))) {
        await new Promise((resolve) => response.once('drain', resolve))
      }
    }
    response.end()
  },
  // The headers and half of a unary answer, then silence.
  stalling: (response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.write('{"id":"t-1",')
  },
  // The headers and half of a unary answer, then the connection breaks.
  broken: async (response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.write('{"id":"t-1",')
    await new Promise((resolve) => setTimeout(resolve, 50))
    response.destroy()
  },
  // A unary answer of 11 MiB.
  huge: (response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ id: 't-1', padding: 'x'.repeat(11 * 1024 * 1024) }))
  },
}

describe('backends that stall or break off, through the local gateway', () => {
  let stack: RunningStack
  let token: string
  const agents: Awaited<ReturnType<typeof startScriptedAgent>>[] = []

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    for (const [agentId, behave] of Object.entries(behaviours)) {
      const agent = await startScriptedAgent({
        bindings: ['HTTP+JSON'],
        answer: (_request, _body, response) => behave(response),
      })
      agents.push(agent)
      await registerAgents(stack, [
        {
          agentId,
          backendUrl: agent.url,
          agentCardUrl: agent.cardUrl,
          // The stalls are cut short; the huge answer is read up to its bound, which on a busy
          // machine can take longer than that (a 504 in place of the 502 its test is about).
          timeoutMs: agentId === 'huge' ? 10_000 : 300,
        },
      ])
    }
    await grantToDemoClient(Object.keys(behaviours))
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    for (const agent of agents) await agent.stop()
    await stack.stop()
  })

  const stream = (agentId: string) =>
    postA2A(`${stack.url}/agents/${agentId}/message:stream`, token, textMessageParams('go'))
  const jsonRpcStream = (agentId: string) =>
    postA2A(
      `${stack.url}/agents/${agentId}`,
      token,
      jsonRpc('SendStreamingMessage', textMessageParams('go'), 7),
    )
  const send = (agentId: string) =>
    postA2A(`${stack.url}/agents/${agentId}/message:send`, token, textMessageParams('go'))

  const eventsOf = async (response: Response) => {
    const events = []
    for await (const event of sseEvents(response.body as ReadableStream<Uint8Array>)) {
      events.push(event)
    }
    return events
  }

  it('answers 504 when the agent takes a stream and never starts answering', async () => {
    // Act
    const response = await stream('mute')

    // Assess
    expect(response.status).toBe(504)
    expect((await response.json()).error).toMatchObject({
      code: 504,
      message: "Agent 'mute' did not answer within 300 ms.",
    })
  })

  it.each([
    ['ends cleanly', 'truncated'],
    ['breaks', 'severed'],
  ])(
    'passes on whole events only, then an error event, when the agent %s mid-event',
    async (_how, agentId) => {
      // Act
      const events = await eventsOf(await stream(agentId))

      // Assess
      expect(events).toHaveLength(2)
      expect(JSON.parse(events[0]?.data as string)).toEqual(JSON.parse(workingEvent))
      expect(events[1]?.event).toBe('error')
      expect(JSON.parse(events[1]?.data as string).error).toMatchObject({
        message: `Agent '${agentId}' broke off the stream.`,
      })
    },
  )

  it('reports an event the agent left unfinished when its stream is translated to JSON-RPC', async () => {
    // Act
    const events = await eventsOf(await jsonRpcStream('truncated'))

    // Assess
    expect(events).toHaveLength(2)
    expect(JSON.parse(events[0]?.data as string).result).toEqual(JSON.parse(workingEvent))
    expect(JSON.parse(events[1]?.data as string)).toMatchObject({
      id: 7,
      error: { message: "Agent 'truncated' broke off the stream." },
    })
  })

  it.each([
    ['as it came', stream],
    ['translated to JSON-RPC', jsonRpcStream],
  ])(
    'ends the stream with an error event once one event passes the 1 MiB limit, %s',
    async (_how, open) => {
      // Act
      const events = await eventsOf(await open('flooding'))

      // Assess
      expect(events).toHaveLength(2)
      expect(events[1]?.data).toContain(
        "Agent 'flooding' sent a stream event over the 1048576-byte limit; the stream was ended.",
      )
    },
  )

  it.each([
    [
      'stalls after its first bytes',
      'stalling',
      504,
      "Agent 'stalling' did not answer within 300 ms.",
    ],
    ['breaks off', 'broken', 502, "Agent 'broken' did not answer: it broke off its answer."],
    [
      'sends more than an answer may carry',
      'huge',
      502,
      "Agent 'huge' did not answer: its answer is over the 10 MiB a gateway answer may carry.",
    ],
  ])(
    'answers an error, not a cut 200, when a unary answer %s',
    async (_how, agentId, status, message) => {
      // Act
      const response = await send(agentId)

      // Assess
      expect(response.status).toBe(status)
      expect((await response.json()).error).toMatchObject({ code: status, message })
    },
  )

  it.each([
    ['as it came', stream, () => send('stalling')],
    [
      'translated to JSON-RPC',
      jsonRpcStream,
      () =>
        postA2A(
          `${stack.url}/agents/stalling`,
          token,
          jsonRpc('SendMessage', textMessageParams('go'), 7),
        ),
    ],
  ])(
    'answers a stream call whose agent sends JSON headers and then stalls with the 504 a unary call gets, %s',
    async (_how, open, sendUnary) => {
      // Prepare
      const unary = await sendUnary()
      const unaryError = await unary.json()

      // Act
      const response = await open('stalling')

      // Assess
      expect(unary.status).toBe(504)
      expect(response.status).toBe(504)
      expect(await response.json()).toEqual(unaryError)
    },
  )

  it('answers a translated stream call whose agent sends a non-SSE answer over the bound with the error a unary call gets', async () => {
    // Prepare: the agent serves HTTP+JSON only, so a JSON-RPC call is translated.
    const unary = await postA2A(
      `${stack.url}/agents/huge`,
      token,
      jsonRpc('SendMessage', textMessageParams('go'), 7),
    )
    const unaryError = await unary.json()

    // Act
    const response = await jsonRpcStream('huge')

    // Assess
    expect(unary.status).toBe(502)
    expect(unaryError.error).toMatchObject({
      message:
        "Agent 'huge' did not answer: its answer is over the 10 MiB a gateway answer may carry.",
    })
    expect(response.status).toBe(unary.status)
    expect(await response.json()).toEqual(unaryError)
  })
})
