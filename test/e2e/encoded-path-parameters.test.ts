import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { adminCaller } from '../support/admin-api.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * Ids in the path percent-encoded, as a client that encodes every segment sends them. The local
 * API Gateway hands them to the handlers still encoded, as API Gateway's REST API does, and each
 * route reads them decoded once: `%63` is `c`, and a double-encoded `%2563` is `%63`, which names
 * nothing, on the laptop as on AWS. (An agent's own id encoded is refused before any handler: the
 * authorizer's policy names `/agents/encoded`, and the method ARN holds the path as sent.)
 */
describe('percent-encoded ids in the path through the local gateway', () => {
  let stack: RunningStack
  let admin: string
  let caller: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  const task = { id: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } }

  const answer = (_request: IncomingMessage, body: string, response: ServerResponse) => {
    const rpc = JSON.parse(body)
    response.writeHead(200, { 'content-type': 'application/json' })
    const result = rpc.method === 'GetTask' ? task : { task }
    response.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result }))
  }

  beforeAll(async () => {
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({ bindings: ['JSONRPC'], answer })
    await registerAgents(stack, [
      { agentId: 'encoded', backendUrl: `${agent.url}/rpc`, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['encoded'])
    ;[admin, caller] = await Promise.all([stack.token('admin-client'), stack.token('demo-client')])
  }, 60_000)
  afterAll(async () => {
    await agent?.stop()
    await stack?.stop()
  })

  const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
  const restCall = (method: string, path: string, body?: unknown) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${caller}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })

  it('reads an agent’s HTTP+JSON sub-path as its operation and task id when it came encoded', async () => {
    // Act
    const sent = await restCall('POST', '/agents/encoded/message%3Asend', textMessageParams('hi'))
    const read = await restCall('GET', '/agents/encoded/tasks/t%2D1')
    const rpc = await postA2A(
      `${stack.url}/agents/encoded`,
      caller,
      jsonRpc('GetTask', { id: 't-1' }),
    )

    // Assess
    expect([sent.status, read.status]).toEqual([200, 200])
    expect((await sent.json()).task?.id).toBe('t-1')
    expect((await read.json()).id).toBe('t-1')
    expect((await rpc.json()).result?.id).toBe('t-1')
  })

  it('reads an admin route’s encoded agent, scope and client as the ids they name', async () => {
    // Prepare
    const scoped = await adminCall('PUT', '/admin/scopes/enc%3Aread', {
      description: 'for the test',
    })
    const granted = await adminCall('PUT', '/admin/permissions/enc%3Aread', { agents: ['encoded'] })

    // Act
    const answers = await Promise.all([
      adminCall('GET', '/admin/agents/en%63oded'),
      adminCall('GET', '/admin/permissions/enc%3Aread'),
      adminCall('GET', '/admin/clients/demo%2Dclient'),
    ])

    // Assess
    expect([scoped.status, granted.status]).toEqual([201, 200])
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
    const [agentRecord, permission] = await Promise.all(answers.slice(0, 2).map((a) => a.json()))
    expect(agentRecord.agentId).toBe('encoded')
    expect(permission).toMatchObject({ scope: 'enc:read', agents: ['encoded'] })
  })

  it.each([
    ['agent', '/admin/agents/en%2563oded'],
    ['permission', '/admin/permissions/enc%253Aread'],
    ['client', '/admin/clients/demo%252Dclient'],
    ['scope', '/admin/scopes/enc%253Aread'],
  ])('refuses a double-encoded %s id as naming no such id', async (kind, path) => {
    // Act
    const response =
      kind === 'scope'
        ? await adminCall('PUT', path, { description: 'for the test' })
        : await adminCall('GET', path)

    // Assess: `%63`, `%3A` or `%2D` is in no id; a 400 or 404, never the id decoded twice
    expect([400, 404]).toContain(response.status)
  })

  it('takes a retry spelling the scope with `:` where the first sent `%3A` as the same request', async () => {
    // Prepare
    await adminCall('PUT', '/admin/scopes/enc:retried', { description: 'for the test' })
    const key = { 'Idempotency-Key': 'encoded-scope-retry-1' }

    // Act
    const first = await adminCall(
      'PUT',
      '/admin/permissions/enc%3Aretried',
      { agents: ['encoded'] },
      key,
    )
    const retry = await adminCall(
      'PUT',
      '/admin/permissions/enc:retried',
      { agents: ['encoded'] },
      key,
    )

    // Assess
    expect([first.status, retry.status]).toEqual([200, 200])
    expect(await retry.json()).toEqual(await first.json())
  })

  it('serves a console file whose name came encoded', async () => {
    // Act
    const response = await fetch(`${stack.url}/console/config%2Ejson`)

    // Assess
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
  })
})
