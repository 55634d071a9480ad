import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { putPermission, registerAgents } from '../support/stack-setup.ts'

describe('HTTP+JSON paths as the agent receives them', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let getTaskOnly: string
  const seen: (string | undefined)[] = []

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    agent = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (request, _body, response) => {
        seen.push(request.url)
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ id: 't', status: { state: 'TASK_STATE_COMPLETED' } }))
      },
    })
    await registerAgents(stack, [
      { agentId: 'paths', backendUrl: `${agent.url}/rest`, agentCardUrl: agent.cardUrl },
    ])
    // auditor-client's tasks:read now grants GetTask alone, on this agent alone, of every caller's tasks.
    await putPermission({
      scope: 'tasks:read',
      agents: ['paths'],
      operations: ['GetTask'],
      taskAccess: 'all',
    })
    getTaskOnly = await stack.token('auditor-client')
  })

  afterAll(async () => {
    await agent.stop()
    await stack.stop()
  })

  it.each([
    // API Gateway decodes the path; a URL reads `\` as `/` and `%2e` as `.`.
    ['/tasks/..%5Ctasks', '/rest/tasks/..%5Ctasks'],
    ['/tasks/..%5CextendedAgentCard', '/rest/tasks/..%5CextendedAgentCard'],
    ['/tasks/%252e%252e%5C..%5Csecret', '/rest/tasks/%252e%252e%5C..%5Csecret'],
    ['/tasks/x%3FhistoryLength=9', '/rest/tasks/x%3FhistoryLength%3D9'],
    ['/tasks/x%23', '/rest/tasks/x%23'],
  ])(
    'sends GET %s to a GetTask-only caller’s agent as GetTask (%s), never another path',
    async (path, expected) => {
      // Prepare
      seen.length = 0

      // Act
      const response = await fetch(`${stack.url}/agents/paths${path}`, {
        headers: { authorization: `Bearer ${getTaskOnly}`, 'a2a-version': '1.0' },
      })

      // Assess
      await response.body?.cancel()
      expect(seen).toEqual([expected])
    },
  )

  it('still sends an ordinary GetTask with its query as it came', async () => {
    // Act
    const response = await fetch(`${stack.url}/agents/paths/tasks/t-1?historyLength=2`, {
      headers: { authorization: `Bearer ${getTaskOnly}`, 'a2a-version': '1.0' },
    })

    // Assess
    expect(response.status).toBe(200)
    expect(seen.at(-1)).toBe('/rest/tasks/t-1?historyLength=2')
  })
})
