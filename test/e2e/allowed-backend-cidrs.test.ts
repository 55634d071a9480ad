import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startCardServer, validCard } from '../support/card-server.ts'

/**
 * `npm start` passes the developer's BACKEND_ALLOWED_CIDRS on to the gateway, beside the
 * loopback its sample agents need, as the refusal of a private address tells them to set it.
 * The agent here answers on 0.0.0.0 (Linux connects it to this machine), an address refused
 * unless allowed: the stand-in for an agent on a LAN or a Docker network.
 */
describe("npm start's gateway with the developer's BACKEND_ALLOWED_CIDRS", () => {
  let stack: RunningStack
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let agentUrl: string

  beforeAll(async () => {
    stack = await startThrowawayStack({ backendAllowedCidrs: ['0.0.0.0/32'] })
    backend = await startCardServer()
    agentUrl = backend.url.replace('127.0.0.1', '0.0.0.0')
    backend.serve({ ...validCard(agentUrl), name: 'Lan' })
  })
  afterAll(async () => {
    await backend.stop()
    await stack.stop()
  })

  const register = async (agentId: string, url: string) =>
    fetch(`${stack.url}/admin/register`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await stack.token('admin-client')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        agentId,
        backendUrl: `${url}/a2a`,
        agentCardUrl: `${url}/.well-known/agent-card.json`,
      }),
    })

  it('registers an agent at an address the developer allowed', async () => {
    // Act
    const response = await register('lan', agentUrl)

    // Assess
    expect(response.status, await response.clone().text()).toBe(201)
  })

  it('still refuses a private address the developer did not allow', async () => {
    // Act
    const response = await register('office', 'http://10.1.2.3:8080')

    // Assess
    expect(response.status).toBe(422)
    expect(await response.text()).toContain('BACKEND_ALLOWED_CIDRS')
  })
})
