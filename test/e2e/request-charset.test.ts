import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SendMessageRequest } from '@a2a-js/sdk'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, textMessageParams } from '../support/a2a-client.ts'
import { agentWithTaskOfA } from '../support/stack-setup.ts'

/**
 * Rule 9, "One reading of a request": a body's charset. The gateway reads every body as UTF-8 (API
 * Gateway hands it over as text) and passes the caller's `Content-Type` on; @a2a-js/sdk's server
 * reads a JSON body with `express.json()`, which decodes it by the charset that header names, any
 * `utf-*` that iconv-lite knows. In UTF-7, `+ACI-` is `"`: a string to the gateway can close and
 * open keys to the agent. The agent below reads each request as the SDK's server does
 * (`express.json()`, then `SendMessageRequest.fromJSON`) and keeps no store per caller of its own.
 */
describe('a request body and the charset its Content-Type names', () => {
  let stack: RunningStack
  let server: Server
  let tokenB: string
  const taskOfA = 'task-of-a'
  /** The task each SendMessage the agent read names (A's when it names none: a fresh one is A's). */
  const received: { text: string; taskId: string }[] = []

  beforeAll(async () => {
    const app = express()
    server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    app.get('/.well-known/agent-card.json', (_request, response) => {
      response.json({
        name: 'Charset',
        description: 'Reads bodies as the SDK server does.',
        version: '1.0.0',
        supportedInterfaces: [
          { url: `${url}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        ],
        capabilities: {},
        defaultInputModes: ['text/plain'],
        defaultOutputModes: ['text/plain'],
        skills: [{ id: 'echo', name: 'Echo', description: 'Echoes', tags: [] }],
      })
    })
    app.post('/rpc', express.json(), (request, response) => {
      const read = SendMessageRequest.fromJSON(request.body.params)
      const part = read.message?.parts[0]?.content
      const taskId = read.message?.taskId || taskOfA
      received.push({ text: part?.$case === 'text' ? part.value : '', taskId })
      response.json({
        jsonrpc: '2.0',
        id: request.body.id,
        result: {
          task: { id: taskId, contextId: 'ctx-a', status: { state: 'TASK_STATE_WORKING' } },
        },
      })
    })
    stack = await startThrowawayStack()
    ;({ tokenB } = await agentWithTaskOfA(
      stack,
      {
        agentId: 'charset-agent',
        backendUrl: `${url}/rpc`,
        agentCardUrl: `${url}/.well-known/agent-card.json`,
      },
      taskOfA,
    ))
  }, 60_000)
  afterAll(async () => {
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    await stack?.stop()
  })

  /** `text` as UTF-7 writes it in a run of base64 (UTF-16 code units): letters, digits, `+`, `/`. */
  const utf7 = (text: string) =>
    `+${Buffer.from(text, 'utf16le').swap16().toString('base64').replace(/=+$/, '')}-`

  it("never lets caller B's message reach A's task by a body that reads otherwise in UTF-7", async () => {
    // Prepare: to the gateway, a metadata string; to the agent, `message.taskId` beside it.
    const params = textMessageParams('inject into A') as { message: Record<string, unknown> }
    params.message.metadata = { x: '@' }
    const body = JSON.stringify(jsonRpc('SendMessage', params)).replace(
      '"@"',
      `"${utf7(`"},"taskId":"${taskOfA}","z":{"q":"`)}"`,
    )
    const before = received.length

    // Act
    const answer = await fetch(`${stack.url}/agents/charset-agent`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokenB}`,
        'content-type': 'application/json; charset=utf-7',
        'a2a-version': '1.0',
      },
      body,
      signal: AbortSignal.timeout(10_000),
    })
    const answered = await answer.json()

    // Assess: the agent never read B's message into A's task, and B is told what to send
    expect(received.slice(before)).toEqual([])
    expect(answered.error?.code).toBe(-32005)
    expect(answered.error?.message).toContain('send the body as UTF-8')
  })
})
