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
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * An HTTP+JSON agent's `error` event as the official client reads it: @a2a-js/sdk's
 * `parseSseStream` keeps an `event:` name past a blank line that dispatched nothing, where the SSE
 * spec forgets it. So `event: error`, a blank line, then the error's data is an error to the client
 * (it throws) and a message to the spec; the gateway counts it as the agent's failure and ends the
 * stream at it, as it does an `error` event either reading names so.
 */
describe('an agent’s error event that only @a2a-js/sdk reads as one', () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let rpcAgent: Awaited<ReturnType<typeof startScriptedAgent>>
  let legacyAgent: Awaited<ReturnType<typeof startScriptedAgent>>
  const afterTheError = 'sent after the error'

  const answer = (request: IncomingMessage, body: string, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    if (request.url === '/rpc') {
      // A JSON-RPC answer with an error beside its result: the official client throws on any `error`.
      const { id } = JSON.parse(body)
      const update = { taskId: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } }
      const after = { messageId: 'm-2', role: 'ROLE_AGENT', parts: [{ text: afterTheError }] }
      response.end(
        `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { statusUpdate: update }, error: { code: -32603, message: 'broke' } })}\n\n` +
          `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { message: after } })}\n\n`,
      )
      return
    }
    response.end(
      'event: error\n\n' +
        `data: ${JSON.stringify({ error: { code: 500, status: 'INTERNAL', message: 'broke' } })}\n\n` +
        `data: ${JSON.stringify({ message: { messageId: 'm-2', role: 'ROLE_AGENT', parts: [{ text: afterTheError }] } })}\n\n`,
    )
  }

  /**
   * A 0.3 JSON-RPC agent's error with no `"jsonrpc"`: 0.3's client throws on any `error` key, 1.0's
   * on the missing version: either client's stream ends at it.
   */
  const legacyAnswer = (_request: IncomingMessage, body: string, response: ServerResponse) => {
    const { id } = JSON.parse(body)
    const after = {
      kind: 'message',
      messageId: 'm-2',
      role: 'agent',
      parts: [{ kind: 'text', text: afterTheError }],
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.end(
      `data: ${JSON.stringify({ id, error: { code: -32603, message: 'broke' } })}\n\n` +
        `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: after })}\n\n`,
    )
  }

  beforeAll(async () => {
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({ bindings: ['HTTP+JSON'], answer })
    rpcAgent = await startScriptedAgent({ bindings: ['JSONRPC'], answer })
    legacyAgent = await startScriptedAgent({
      bindings: ['JSONRPC'],
      protocolVersion: '0.3',
      answer: legacyAnswer,
    })
    await registerAgents(stack, [
      { agentId: 'sdk-error', backendUrl: `${agent.url}/rest`, agentCardUrl: agent.cardUrl },
      { agentId: 'rpc-error', backendUrl: `${rpcAgent.url}/rpc`, agentCardUrl: rpcAgent.cardUrl },
      {
        agentId: 'legacy-error',
        backendUrl: `${legacyAgent.url}/rpc`,
        agentCardUrl: legacyAgent.cardUrl,
      },
    ])
    await grantToDemoClient(['sdk-error', 'rpc-error', 'legacy-error'])
    token = await stack.token('demo-client')
  }, 60_000)
  afterAll(async () => {
    await agent?.stop()
    await rpcAgent?.stop()
    await legacyAgent?.stop()
    await stack?.stop()
  })

  const failures = async () => {
    const metrics = await (await fetch(`${stack.url}/metrics`)).text()
    const line = metrics
      .split('\n')
      .find((it) =>
        it.startsWith(
          'switchboard_call_failures_total{agent="sdk-error",operation="SendStreamingMessage"}',
        ),
      )
    return Number(line?.split(' ').at(-1) ?? 0)
  }

  it('is an error to the official HTTP+JSON client, and counted as the agent’s failure', async () => {
    // Prepare
    const client = await gatewayClient(`${stack.url}/agents/sdk-error/`, token, 'HTTP+JSON')
    const before = await failures()

    // Act
    let failed: unknown
    try {
      for await (const _event of client.sendMessageStream(textMessage('hi'))) {
        // The client throws at the error event.
      }
    } catch (error) {
      failed = error
    }

    // Assess
    expect(String(failed)).toContain('broke')
    expect(await failures()).toBe(before + 1)
  })

  it('ends the stream passed through at that event, as the client does', async () => {
    // Act
    const response = await postA2A(
      `${stack.url}/agents/sdk-error/message:stream`,
      token,
      textMessageParams('hi'),
    )
    const text = await response.text()

    // Assess
    expect(text).toContain('broke')
    expect(text).not.toContain(afterTheError)
  })

  it('ends a JSON-RPC stream at an answer with an error beside its result, where the official client throws', async () => {
    // Prepare
    const client = await gatewayClient(`${stack.url}/agents/rpc-error/`, token, 'JSONRPC')

    // Act
    let failed: unknown
    try {
      for await (const _event of client.sendMessageStream(textMessage('hi'))) {
        // The client throws at the error.
      }
    } catch (error) {
      failed = error
    }
    const response = await postA2A(
      `${stack.url}/agents/rpc-error`,
      token,
      jsonRpc('SendStreamingMessage', textMessageParams('hi')),
    )
    const text = await response.text()

    // Assess
    expect(String(failed)).toContain('broke')
    expect(text).toContain('broke')
    expect(text).not.toContain(afterTheError)
  })

  it('is a JSON-RPC error to a caller the stream is translated for, and nothing after it', async () => {
    // Act
    const response = await postA2A(
      `${stack.url}/agents/sdk-error`,
      token,
      jsonRpc('SendStreamingMessage', textMessageParams('hi')),
    )
    const text = await response.text()

    // Assess
    expect(text).toContain('"error"')
    expect(text).not.toContain('"result"')
    expect(text).not.toContain(afterTheError)
  })

  it('ends a 0.3 JSON-RPC stream at an error with no "jsonrpc", where either client stops', async () => {
    // Act
    const response = await postA2A(
      `${stack.url}/agents/legacy-error`,
      token,
      jsonRpc('message/stream', {
        message: {
          kind: 'message',
          messageId: 'm-1',
          role: 'user',
          parts: [{ kind: 'text', text: 'hi' }],
        },
      }),
    )
    const text = await response.text()

    // Assess
    expect(response.status).toBe(200)
    expect(text).toContain('broke')
    expect(text).not.toContain(afterTheError)
  })
})
