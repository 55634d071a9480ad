import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * A task id JSON can spell and UTF-8 cannot hold: a lone surrogate (`"\ud800"`). DynamoDB keeps a
 * key as UTF-8, so dynalite and DynamoDB Local found `x\ud801` under `x\ud800`'s record: two ids, one
 * owner. The gateway takes no task by such an id, and refuses a call naming one.
 */
describe('a task id that is not well-formed Unicode', () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let asked = 0
  const messageOf = (text: string) =>
    (textMessageParams(text) as { message: Record<string, unknown> }).message

  const answer = (_request: IncomingMessage, body: string, response: ServerResponse) => {
    asked++
    const rpc = JSON.parse(body)
    response.writeHead(200, { 'content-type': 'application/json' })
    // JSON.stringify writes the lone surrogate as the escape `\ud800`, as any JSON encoder may.
    const task = { id: 'x\ud800', contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } }
    response.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: { task } }))
  }

  beforeAll(async () => {
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({ bindings: ['JSONRPC'], answer })
    await registerAgents(stack, [
      { agentId: 'surrogate', backendUrl: `${agent.url}/rpc`, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['surrogate'])
    token = await stack.token('demo-client')
  }, 60_000)
  afterAll(async () => {
    await agent?.stop()
    await stack?.stop()
  })

  it('is withheld when an agent answers with it, and taken by no caller', async () => {
    // Act
    const response = await postA2A(
      `${stack.url}/agents/surrogate`,
      token,
      jsonRpc('SendMessage', textMessageParams('hi')),
    )
    const body = await response.json()

    // Assess
    expect(body.result).toBeUndefined()
    expect(body.error.message).toContain('not well-formed Unicode')
  })

  it.each([
    ['GetTask', { id: 'x\ud800' }],
    ['SendMessage', { message: { ...messageOf('hi'), taskId: 'x\ud800' } }],
    ['SendMessage', { message: { ...messageOf('hi'), referenceTaskIds: ['x\udc00'] } }],
  ])(
    'refuses a caller’s %s naming it, as invalid params, before the agent is asked',
    async (method, params) => {
      // Prepare
      const before = asked

      // Act
      const response = await postA2A(
        `${stack.url}/agents/surrogate`,
        token,
        jsonRpc(method, params),
      )
      const body = await response.json()

      // Assess
      expect(body.error.code).toBe(-32602)
      expect(body.error.message).toContain('not well-formed Unicode')
      expect(asked).toBe(before)
    },
  )
})
