import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningAgent } from '../../agents/serve.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { adminCaller } from '../support/admin-api.ts'
import { startGatedAgent } from '../support/gated-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * With API Gateway's authorizer cache (300 s per token) and the registry cache
 * at its production setting: what an admin removes is gone a second later.
 */
describe('delete and deactivate through the local gateway', () => {
  let stack: RunningStack
  let calculator: RunningAgent
  let admin: string

  beforeAll(async () => {
    stack = await startThrowawayStack({ authorizerCacheTtlSeconds: 300 })
    calculator = stack.agents.find((agent) => agent.agentId === 'calculator') as RunningAgent
    admin = await stack.token('admin-client')
  })
  afterAll(() => stack.stop())

  const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))

  /** Registers the calculator's backend (a private agent) under another id and grants it to demo-client. */
  const registerCalculatorAs = async (agentId: string) => {
    await registerAgents(stack, [
      {
        agentId,
        backendUrl: calculator.url,
        agentCardUrl: calculator.cardUrl,
        auth: { type: 'aws_iam', service: 'lambda', region: 'us-east-1' },
      },
    ])
    await grantToDemoClient([agentId])
  }

  const send = (agentId: string, token: string) =>
    fetch(`${stack.url}/agents/${agentId}/message:send`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify({
        message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: '1+1' }] },
      }),
    })

  /** The promise: a call that starts more than this long after the change returned is refused. */
  const oneSecondLater = () => new Promise((resolve) => setTimeout(resolve, 1001))

  it('refuses a call that starts 1 s after the DELETE returned, and the agent hears nothing', async () => {
    // Prepare: a token whose authorizer answer (with the grant) is cached, and a record read.
    await registerCalculatorAs('doomed')
    const token = await stack.token('demo-client')
    expect((await send('doomed', token)).status).toBe(200)
    expect((await adminCall('DELETE', '/admin/agents/doomed')).ok).toBe(true)
    await oneSecondLater()
    const before = calculator.requestCount()

    // Act
    const response = await send('doomed', token)

    // Assess
    expect(response.status).toBe(404)
    expect(calculator.requestCount()).toBe(before)
  })

  it('refuses a call that starts 1 s after a PATCH to inactive returned, and the agent hears nothing', async () => {
    // Prepare
    await registerCalculatorAs('paused')
    const token = await stack.token('demo-client')
    expect((await send('paused', token)).status).toBe(200)
    const patched = await adminCall('PATCH', '/admin/agents/paused', { status: 'inactive' })
    expect(patched.status).toBe(200)
    await oneSecondLater()
    const before = calculator.requestCount()

    // Act
    const response = await send('paused', token)

    // Assess
    expect(response.status).toBe(404)
    expect(calculator.requestCount()).toBe(before)
  })

  it('refuses a token authorized before an id was registered again, and serves a new token', async () => {
    // Prepare: the old token's cached answer grants 'reborn' as it was first registered.
    await registerCalculatorAs('reborn')
    const old = await stack.token('demo-client')
    expect((await send('reborn', old)).status).toBe(200)
    expect((await adminCall('DELETE', '/admin/agents/reborn')).ok).toBe(true)
    await registerCalculatorAs('reborn')
    await oneSecondLater()
    const before = calculator.requestCount()

    // Act
    const refused = await send('reborn', old)
    const served = await send('reborn', await stack.token('demo-client'))

    // Assess
    expect(refused.status).toBe(403)
    expect((await refused.json()).error.message).toMatch(/get a new token/)
    expect(served.status).toBe(200)
    expect(calculator.requestCount()).toBe(before + 1)
  })

  /**
   * A stream to a new agent `agentId` that sends one event, then holds the stream open until
   * released, granted to demo-client: its first event read. `rest` reads the stream to its end,
   * the agent released after 8 s (a gateway that kept the stream open then passes on its next
   * event), and gives the events.
   */
  const openHeldStream = async (agentId: string) => {
    const gated = await startGatedAgent(2)
    await registerAgents(stack, [{ agentId, backendUrl: gated.url, agentCardUrl: gated.cardUrl }])
    await grantToDemoClient([agentId])
    const response = await fetch(`${stack.url}/agents/${agentId}/message:stream`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await stack.token('demo-client')}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify({
        message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'go' }] },
      }),
    })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value)
    const rest = async () => {
      const release = setTimeout(() => gated.release(), 8000)
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        text += new TextDecoder().decode(chunk.value)
      }
      clearTimeout(release)
      return {
        text,
        events: text
          .split('\n\n')
          .filter((event) => event.startsWith('event:') || event.startsWith('data:')),
      }
    }
    return { gated, rest }
  }

  it('ends a stream open to an agent when it is deleted, with the stream’s error event', async () => {
    // Prepare
    const { gated, rest } = await openHeldStream('gated')
    try {
      // Act
      expect((await adminCall('DELETE', '/admin/agents/gated')).ok).toBe(true)
      const { text, events } = await rest()

      // Assess
      expect(events).toHaveLength(2)
      expect(events[1]).toMatch(/^event: error\n/)
      expect(events[1]).toMatch(/was deleted or deactivated/)
      expect(text).not.toMatch(/step 1/)
      // The backend's socket closes on its own schedule, not necessarily before the caller's.
      await vi.waitFor(() => expect(gated.aborted()).toBe(true), { timeout: 10_000 })
    } finally {
      await gated.stop()
    }
  })

  it('refuses every token a client was issued before its tokens were revoked, a second later, on every route; a new one works', async () => {
    // Prepare: the caller's tokens and the admin's own, their authorizer answers cached
    const old = await stack.token('demo-client')
    const listAgents = (token: string) =>
      fetch(`${stack.url}/agents`, { headers: { authorization: `Bearer ${token}` } })
    expect((await send('weather', old)).status).toBe(200)
    expect((await listAgents(old)).status).toBe(200)

    // Act
    const askedAt = Date.now()
    const revoked = await adminCall('POST', '/admin/clients/demo-client/revoke-tokens')
    // Got the moment the answer came: the answer waits for the revocation's second to begin.
    const fresh = await stack.token('demo-client')
    const revokedAdmin = await adminCall('POST', '/admin/clients/admin-client/revoke-tokens')
    await oneSecondLater()
    const refused = await send('weather', old)
    const refusedListing = await listAgents(old)
    // Refused before /route embeds it or counts it against the client's limit.
    const refusedRoute = await fetch(`${stack.url}/route/message:send`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${old}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify({
        message: { messageId: 'm-r', role: 'ROLE_USER', parts: [{ text: 'zzz qqq' }] },
      }),
    })
    const refusedAdmin = await adminCall('GET', '/admin/clients/demo-client')
    const renewed = await send('weather', fresh)

    // Assess
    expect(revoked.status).toBe(200)
    const { tokensIssuedBefore } = await revoked.json()
    expect(Date.parse(tokensIssuedBefore)).toBeGreaterThan(askedAt)
    expect(revokedAdmin.status).toBe(200)
    expect(refused.status).toBe(401)
    // The handler's challenge, under the name a REST API passes a Lambda's WWW-Authenticate on as.
    expect(refused.headers.get('x-amzn-remapped-www-authenticate')).toMatch(/error="invalid_token"/)
    expect((await refused.json()).error.message).toBe(
      "Your access token was revoked: its client's access changed after it was issued. Get a new token and retry.",
    )
    expect(refusedListing.status).toBe(401)
    expect(refusedRoute.status).toBe(401)
    expect(await refusedListing.json()).toMatchObject({ title: 'Token revoked', status: 401 })
    expect(refusedAdmin.status).toBe(401)
    expect(renewed.status).toBe(200)
    admin = await stack.token('admin-client')
    expect((await adminCall('GET', '/admin/clients/demo-client')).status).toBe(200)
  })

  it('ends a stream open when its token is revoked, with the stream’s error event saying so', async () => {
    // Prepare
    const { gated, rest } = await openHeldStream('held')
    try {
      // Act
      const revoked = await adminCall('POST', '/admin/clients/demo-client/revoke-tokens')
      const { text, events } = await rest()

      // Assess
      expect(revoked.status).toBe(200)
      expect(events).toHaveLength(2)
      expect(events[1]).toMatch(/^event: error\n/)
      expect(events[1]).toMatch(/access token was revoked while this stream was open/)
      expect(text).not.toMatch(/step 1/)
    } finally {
      await gated.stop()
    }
  })
})
