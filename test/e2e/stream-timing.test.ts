import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { gatewayClient, textMessage, textMessageParams, textsOf } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

const statusEvent = (step: number, state = 'TASK_STATE_WORKING') =>
  JSON.stringify({
    statusUpdate: {
      taskId: 't-1',
      contextId: 'c-1',
      status: {
        state,
        message: { messageId: `m-${step}`, role: 'ROLE_AGENT', parts: [{ text: `step ${step}` }] },
      },
    },
  })

/**
 * The paced agent's handshake with the test: one receipt per event, resolved once the caller has
 * that event. The agent writes its next event only then, so a gateway that held an event back
 * would never see the next one come, however fast or slow the machine.
 */
const PACED_EVENTS = 5
const receipts = Array.from({ length: PACED_EVENTS }, () => Promise.withResolvers<void>())

/** What each scripted agent does with a stream request, by agent id in the path. */
const behaviours: Record<string, (response: ServerResponse) => Promise<void>> = {
  // Five events, each written only once the caller has received the one before.
  paced: async (response) => {
    for (let step = 0; step < PACED_EVENTS; step++) {
      if (step > 0) await receipts[step - 1]?.promise
      const last = step === PACED_EVENTS - 1
      response.write(
        `data: ${statusEvent(step, last ? 'TASK_STATE_COMPLETED' : 'TASK_STATE_WORKING')}\n\n`,
      )
    }
    response.end()
  },
  // One event, then silence longer than the keep-alive interval, then the end.
  quiet: async (response) => {
    response.write(`data: ${statusEvent(0)}\n\n`)
    await new Promise((resolve) => setTimeout(resolve, 450))
    response.end(`data: ${statusEvent(1, 'TASK_STATE_COMPLETED')}\n\n`)
  },
  // One event, then nothing, ever.
  silent: async (response) => {
    response.write(`data: ${statusEvent(0)}\n\n`)
  },
  // One event, then the connection breaks.
  broken: async (response) => {
    response.write(`data: ${statusEvent(0)}\n\n`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    response.destroy()
  },
}

describe('event streams through the local gateway', () => {
  let stack: RunningStack
  let token: string
  const agents: Awaited<ReturnType<typeof startScriptedAgent>>[] = []
  const closed: string[] = []

  beforeAll(async () => {
    process.env.STREAM_KEEPALIVE_MS = '150'
    // Long enough for the paced agent's wait on each receipt (a round trip through the gateway
    // and the client) on a loaded machine; the silent agent's stream ends after it.
    process.env.STREAM_IDLE_TIMEOUT_MS = '1500'
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    for (const [agentId, behave] of Object.entries(behaviours)) {
      const agent = await startScriptedAgent({
        bindings: ['HTTP+JSON'],
        answer: async (request, _body, response) => {
          request.socket.on('close', () => closed.push(agentId))
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          response.flushHeaders()
          await behave(response)
        },
      })
      agents.push(agent)
      await registerAgents(stack, [{ agentId, backendUrl: agent.url, agentCardUrl: agent.cardUrl }])
    }
    await grantToDemoClient(Object.keys(behaviours))
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    for (const agent of agents) await agent.stop()
    await stack.stop()
  })

  const rawStream = async (agentId: string) => {
    const response = await fetch(`${stack.url}/agents/${agentId}/message:stream`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify(textMessageParams('go')),
    })
    return response.text()
  }

  it('delivers each of 5 events before the next is emitted: the agent sends the next only once the caller has it', async () => {
    // Prepare
    const client = await gatewayClient(`${stack.url}/agents/paced/`, token, 'HTTP+JSON')
    const events = client.sendMessageStream(textMessage('go'))[Symbol.asyncIterator]()
    /** The next event, or why it never came: the agent waits for it to arrive before the next. */
    const nextEvent = async (step: number) => {
      const why = `event ${step} of ${PACED_EVENTS} never reached the caller: the agent sends each event only once the caller has the one before, so the gateway held back one it was sent`
      let deadline: NodeJS.Timeout | undefined
      const heldBack = new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(new Error(`${why} (waited 10 s)`)), 10_000)
      })
      const failed = (error: Error): never => {
        throw new Error(`${why}; the stream ended: ${error.message}`, { cause: error })
      }
      const next = events.next().catch(failed)
      // Once the deadline has said why, the stream's own end later is no news.
      next.catch(() => {})
      try {
        return await Promise.race([next, heldBack])
      } finally {
        clearTimeout(deadline)
      }
    }

    // Act
    const texts: string[] = []
    try {
      for (let step = 0; step < PACED_EVENTS; step++) {
        const { value, done } = await nextEvent(step)
        if (done) throw new Error(`the stream ended after ${step} of ${PACED_EVENTS} events`)
        texts.push(...textsOf(value))
        receipts[step]?.resolve()
      }
    } finally {
      // Whatever happened, the agent is let finish its stream.
      for (const receipt of receipts) receipt.resolve()
    }
    const after = await events.next()

    // Assess
    expect(texts).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4'])
    expect(after.done).toBe(true)
  })

  it('keeps a quiet stream open with comments, which clients skip', async () => {
    // Act
    const text = await rawStream('quiet')

    // Assess
    expect(text).toMatch(/step 0[\s\S]*\n: keep-alive\n\n[\s\S]*step 1/)
  })

  it('ends a stream the agent leaves silent with an error event, and lets the agent go', async () => {
    // Act
    const text = await rawStream('silent')

    // Assess
    expect(text).toContain('step 0')
    const errorEvent = /event: error\ndata: (.*)\n\n$/.exec(text)?.[1] as string
    expect(JSON.parse(errorEvent).error).toMatchObject({
      code: 504,
      message: "Agent 'silent' sent nothing for too long; the stream was ended.",
    })
    // The agent's socket closes on its own schedule, soon after the caller's stream ends.
    await vi.waitFor(() => expect(closed).toContain('silent'), { timeout: 10_000 })
  })

  it('ends a stream the agent breaks off with an error event in the caller’s binding', async () => {
    // Act
    const text = await rawStream('broken')

    // Assess
    expect(text).toContain('step 0')
    expect(text).toMatch(/event: error\ndata: .*"message":"Agent 'broken' broke off the stream\."/)
  })
})
