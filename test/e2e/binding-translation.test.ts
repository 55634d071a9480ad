import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCalculatorAgent } from '../../agents/calculator/agent.ts'
import type { RunningAgent } from '../../agents/serve.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import {
  eventKinds,
  gatewayClient,
  type Transport,
  textMessage,
  textsOf,
} from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, putPermission, registerAgents } from '../support/stack-setup.ts'

describe('an agent called over the binding it does not serve', () => {
  let stack: RunningStack
  let token: string
  const oneBinding: Record<string, RunningAgent> = {}

  beforeAll(async () => {
    stack = await startThrowawayStack()
    oneBinding['rest-only'] = await startCalculatorAgent({ bindings: ['HTTP+JSON'] })
    oneBinding['rpc-only'] = await startCalculatorAgent({ bindings: ['JSONRPC'] })
    await registerAgents(
      stack,
      Object.entries(oneBinding).map(([agentId, agent]) => ({
        agentId,
        backendUrl: agent.url,
        agentCardUrl: agent.cardUrl,
      })),
    )
    await grantToDemoClient(Object.keys(oneBinding))
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    for (const agent of Object.values(oneBinding)) await agent.close()
    await stack.stop()
  })

  describe.each<[string, Transport]>([
    ['rest-only', 'JSONRPC'],
    ['rpc-only', 'HTTP+JSON'],
  ])('%s over %s', (agentId, transport) => {
    it('sends a message and gets the answer back in the caller’s binding', async () => {
      // Prepare
      const client = await gatewayClient(`${stack.url}/agents/${agentId}/`, token, transport)

      // Act
      const result = await client.sendMessage(textMessage('2+2*3'))

      // Assess
      expect(textsOf(result).join('')).toContain('2+2*3 = 8')
    })

    it('streams the events one by one, translated', async () => {
      // Prepare
      const client = await gatewayClient(`${stack.url}/agents/${agentId}/`, token, transport)

      // Act
      const kinds = await eventKinds(client.sendMessageStream(textMessage('sqrt(2)*pi')))

      // Assess
      expect(kinds[0]).toBe('task')
      expect(kinds.filter((kind) => kind === 'artifactUpdate').length).toBeGreaterThanOrEqual(2)
      expect(kinds.at(-1)).toBe('statusUpdate')
    })

    it('gets a task, and the agent’s own TaskNotFound error unchanged', async () => {
      // Prepare
      const client = await gatewayClient(`${stack.url}/agents/${agentId}/`, token, transport)
      const sent = (await client.sendMessage(textMessage('1+1'))) as { id: string }

      // Act
      const task = await client.getTask({ id: sent.id, historyLength: 1, tenant: '' } as never)
      const missing = await client
        .getTask({ id: 'no-such-task', tenant: '' } as never)
        .catch((caught: unknown) => caught)

      // Assess
      expect((task as { id: string }).id).toBe(sent.id)
      expect((missing as Error).name).toMatch(/TaskNotFoundError/)
    })
  })

  it.each([
    ['rpc-only', 'HTTP+JSON', '/message:send', 'application/a2a+json'],
    ['rpc-only', 'HTTP+JSON', '/tasks/no-such-task', 'application/a2a+json'],
    ['rest-only', 'JSONRPC', '', 'application/json'],
  ])(
    'types a translated answer of %s for an %s caller as its binding says (%s)',
    async (agentId, _binding, path, contentType) => {
      // Act
      const send = { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '1+1' }] }
      const headers = { authorization: `Bearer ${token}`, 'a2a-version': '1.0' }
      const url = `${stack.url}/agents/${agentId}${path}`
      const response =
        path === '/tasks/no-such-task'
          ? await fetch(url, { headers })
          : await fetch(url, {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json' },
              body: JSON.stringify(
                path
                  ? { message: send }
                  : { jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: send } },
              ),
            })

      // Assess: A2A 1.0's HTTP+JSON answers SHOULD be application/a2a+json, JSON-RPC's are JSON
      expect(response.headers.get('content-type')).toBe(contentType)
      expect(response.status).toBe(path === '/tasks/no-such-task' ? 404 : 200)
      expect(await response.json()).toBeTypeOf('object')
    },
  )

  describe('a task id that is a dot segment', () => {
    const received: string[] = []
    let scripted: Awaited<ReturnType<typeof startScriptedAgent>>
    let getTaskOnly: string

    beforeAll(async () => {
      scripted = await startScriptedAgent({
        bindings: ['HTTP+JSON'],
        answer: (request, _body, response) => {
          received.push(`${request.method} ${request.url}`)
          response.writeHead(200, { 'content-type': 'application/json' })
          response.end(JSON.stringify({ tasks: [{ id: 'someone-elses-task' }] }))
        },
      })
      await registerAgents(stack, [
        { agentId: 'rest-scripted', backendUrl: scripted.url, agentCardUrl: scripted.cardUrl },
      ])
      // auditor-client holds tasks:read: here GetTask on this agent (any caller's task) and nothing else.
      await putPermission({
        scope: 'tasks:read',
        agents: ['rest-scripted'],
        operations: ['GetTask'],
        taskAccess: 'all',
      })
      getTaskOnly = await stack.token('auditor-client')
    })
    afterAll(() => scripted.stop())

    it.each(['.', '..'])(
      'is refused, never sent as a path that names another operation (%s)',
      async (id) => {
        // Act
        const response = await fetch(`${stack.url}/agents/rest-scripted`, {
          method: 'POST',
          headers: { authorization: `Bearer ${getTaskOnly}`, 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 'dot', method: 'GetTask', params: { id } }),
        })

        // Assess
        const answer = await response.json()
        expect(answer).toMatchObject({ jsonrpc: '2.0', id: 'dot', error: { code: -32600 } })
        expect(answer.error.message).toContain(`'${id}'`)
        expect(received).toEqual([])
      },
    )
  })
})
