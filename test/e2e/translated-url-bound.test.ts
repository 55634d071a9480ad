import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * A JSON-RPC call carried to an HTTP+JSON-only agent puts its params in the agent's URL (ListTasks'
 * filters in the query): a caller within MAX_REQUEST_BYTES could have the gateway send a URL of
 * megabytes, which servers refuse. The gateway refuses it first, naming the limit.
 */
describe('a translated call’s URL', () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  const urls: string[] = []

  const answer = (request: IncomingMessage, _body: string, response: ServerResponse) => {
    urls.push(request.url ?? '')
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ tasks: [], nextPageToken: '', pageSize: 0, totalSize: 0 }))
  }

  beforeAll(async () => {
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({ bindings: ['HTTP+JSON'], answer })
    await registerAgents(stack, [
      { agentId: 'rest-lister', backendUrl: `${agent.url}/rest`, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['rest-lister'])
    token = await stack.token('demo-client')
  }, 60_000)
  afterAll(async () => {
    await agent?.stop()
    await stack?.stop()
  })

  const listTasks = (contextId: string) =>
    postA2A(`${stack.url}/agents/rest-lister`, token, jsonRpc('ListTasks', { contextId }))

  it('is refused past 8,000 bytes, as invalid params naming the limit, before the agent is asked', async () => {
    // Prepare
    const before = urls.length

    // Act: 100 KB of filter, well within the body a caller may send.
    const response = await listTasks('c'.repeat(100_000))
    const body = await response.json()

    // Assess
    expect(body.error.code).toBe(-32602)
    expect(body.error.message).toContain('8,000-byte limit a URL to an agent is held to')
    expect(urls.length).toBe(before)
  })

  it('goes to the agent within the limit, its filter in the query', async () => {
    // Act
    const response = await listTasks('c'.repeat(7_000))
    const body = await response.json()

    // Assess
    expect(body.result).toBeDefined()
    expect(urls.at(-1)).toContain(`contextId=${'c'.repeat(7_000)}`)
  })
})
