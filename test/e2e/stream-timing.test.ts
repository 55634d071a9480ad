import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { gatewayClient, textMessage, textMessageParams } from '../support/a2a-client.ts'
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

/** What each scripted agent does with a stream request, by agent id in the path. */
const behaviours: Record<string, (response: ServerResponse, sentAt: number[]) => Promise<void>> = {
  // Five events, 200 ms apart, each stamped when written.
  paced: async (response, sentAt) => {
    for (let step = 0; step < 5; step++) {
      if (step > 0) await new Promise((resolve) => setTimeout(resolve, 200))
      sentAt.push(Date.now())
      response.write(
        `data: ${statusEvent(step, step === 4 ? 'TASK_STATE_COMPLETED' : 'TASK_STATE_WORKING')}\n\n`,
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
  const sentAt: number[] = []
  const agents: Awaited<ReturnType<typeof startScriptedAgent>>[] = []
  const closed: string[] = []

  beforeAll(async () => {
    process.env.STREAM_KEEPALIVE_MS = '150'
    process.env.STREAM_IDLE_TIMEOUT_MS = '700'
    stack = await startThrowawayStack()
    for (const [agentId, behave] of Object.entries(behaviours)) {
      const agent = await startScriptedAgent({
        bindings: ['HTTP+JSON'],
        answer: async (request, _body, response) => {
          request.socket.on('close', () => closed.push(agentId))
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          response.flushHeaders()
          await behave(response, sentAt)
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

  it('delivers each of 5 events 200 ms apart before the next is emitted, the first before the second is sent', async () => {
    // Prepare
    const client = await gatewayClient(`${stack.url}/agents/paced/`, token, 'HTTP+JSON')

    // Act
    const receivedAt: number[] = []
    for await (const _event of client.sendMessageStream(textMessage('go')))
      receivedAt.push(Date.now())

    // Assess
    expect(receivedAt).toHaveLength(5)
    const lags = receivedAt.map((at, step) => at - (sentAt[step] as number))
    // Under 150 ms, less than the 200 ms between events: none waited for the next (a busy CI machine gets slack).
    for (const lag of lags) expect(lag).toBeLessThan(150)
    expect(receivedAt[0]).toBeLessThan(sentAt[1] as number)
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
