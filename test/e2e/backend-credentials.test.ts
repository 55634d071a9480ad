import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FileSecretStore } from '../../lib/secrets/file-secret-store.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { asyncListener } from '../support/async-listener.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/** The backend's own OAuth server: one client, whose secret the test rotates. */
const startTokenServer = async () => {
  let secret = 'secret-1'
  let issued = 0
  const valid = new Set<string>()
  const server = createServer(
    asyncListener(async (request, response) => {
      for await (const _ of request) {
        // drain the form
      }
      const [id, given] = Buffer.from(
        (request.headers.authorization ?? '').replace('Basic ', ''),
        'base64',
      )
        .toString()
        .split(':')
      if (id !== 'gateway' || given !== secret) {
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"error":"invalid_client"}')
        return
      }
      const token = `token-${++issued}`
      valid.add(token)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }))
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`,
    issued: () => issued,
    accepts: (authorization: string | undefined) =>
      valid.has((authorization ?? '').replace('Bearer ', '')),
    /** The backend's secret changes and every token it issued stops working. */
    rotate: (next: string) => {
      secret = next
      valid.clear()
    },
    revokeAll: () => valid.clear(),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('backend credentials through the local gateway', () => {
  let stack: RunningStack
  let tokens: Awaited<ReturnType<typeof startTokenServer>>
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let token: string
  let secretArn: string
  const seen: (string | undefined)[] = []

  beforeAll(async () => {
    stack = await startThrowawayStack()
    tokens = await startTokenServer()
    agent = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (request, _body, response) => {
        seen.push(request.headers.authorization)
        if (!tokens.accepts(request.headers.authorization)) {
          response
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"error":{"code":401}}')
          return
        }
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({
            id: 't-1',
            contextId: 'c-1',
            status: { state: 'TASK_STATE_COMPLETED' },
          }),
        )
      },
    })
    const [registered] = await registerAgents(stack, [
      {
        agentId: 'guarded',
        backendUrl: agent.url,
        agentCardUrl: agent.cardUrl,
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: tokens.url,
          clientId: 'gateway',
          clientSecret: 'secret-1',
        },
      },
    ])
    secretArn = registered.auth.secretArn
    // GetTask of t-1, a task demo-client did not create: these tests are about credentials.
    await grantToDemoClient(['guarded'], { taskAccess: 'all' })
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent.stop()
    await tokens.stop()
    await stack.stop()
  })

  const getTask = () =>
    fetch(`${stack.url}/agents/guarded/tasks/t-1`, {
      headers: { authorization: `Bearer ${token}`, 'a2a-version': '1.0' },
    })

  it('calls the agent with a fresh token and reuses it until it expires', async () => {
    // Act
    const first = await getTask()
    const second = await getTask()

    // Assess
    expect([first.status, second.status]).toEqual([200, 200])
    expect(tokens.issued()).toBe(1)
    expect(seen.slice(-2)).toEqual(['Bearer token-1', 'Bearer token-1'])
    expect(seen).not.toContain(`Bearer ${token}`)
  })

  it('uses a rotated secret without a restart', async () => {
    // Prepare
    tokens.rotate('secret-2')
    await new FileSecretStore(join(stack.stateDir, 'secrets.json')).rotate(secretArn, 'secret-2')

    // Act
    const response = await getTask()

    // Assess
    expect(response.status).toBe(200)
    expect(seen.at(-1)).toBe('Bearer token-2')
  })

  it('renews a refused token once and retries a call that only reads', async () => {
    // Prepare
    tokens.revokeAll()
    const before = seen.length

    // Act
    const response = await getTask()

    // Assess
    expect(response.status).toBe(200)
    expect(seen.slice(before)).toEqual(['Bearer token-2', 'Bearer token-3'])
  })

  it('does not repeat a SendMessage the agent refused, but gets a new token for the next call', async () => {
    // Prepare
    tokens.revokeAll()
    const before = seen.length
    const send = () =>
      fetch(`${stack.url}/agents/guarded/message:send`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'a2a-version': '1.0',
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] },
        }),
      })

    // Act
    const refused = await send()
    const next = await send()

    // Assess: the agent's 401 is no caller's, answered as the agent failing.
    expect([refused.status, next.status]).toEqual([502, 200])
    expect(refused.headers.get('www-authenticate')).toBeNull()
    expect(seen.slice(before)).toEqual(['Bearer token-3', 'Bearer token-4'])
  })
})
