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
  let refuser: Awaited<ReturnType<typeof startScriptedAgent>>
  let token: string
  let secretArn: string
  /** The secret ARNs of guarded-writes and refuser. */
  let otherSecrets: string[]
  const seen: (string | undefined)[] = []

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
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
    // An agent that refuses every token, challenging for one of its own.
    refuser = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (request, _body, response) => {
        seen.push(request.headers.authorization)
        response
          .writeHead(401, {
            'content-type': 'application/json',
            'www-authenticate': 'Bearer error="invalid_token"',
          })
          .end('{"error":{"code":401}}')
      },
    })
    const auth = {
      type: 'oauth2_client_credentials',
      tokenUrl: tokens.url,
      clientId: 'gateway',
      clientSecret: 'secret-1',
    }
    const [registered, ...others] = await registerAgents(stack, [
      { agentId: 'guarded', backendUrl: agent.url, agentCardUrl: agent.cardUrl, auth },
      { agentId: 'guarded-writes', backendUrl: agent.url, agentCardUrl: agent.cardUrl, auth },
      { agentId: 'refuser', backendUrl: refuser.url, agentCardUrl: refuser.cardUrl, auth },
    ])
    secretArn = registered.auth.secretArn
    otherSecrets = others.map((other) => other.auth.secretArn)
    // GetTask of t-1, a task demo-client did not create: these tests are about credentials.
    await grantToDemoClient(['guarded', 'guarded-writes', 'refuser'], { taskAccess: 'all' })
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent.stop()
    await refuser.stop()
    await tokens.stop()
    await stack.stop()
  })

  const getTask = (agentId = 'guarded') =>
    fetch(`${stack.url}/agents/${agentId}/tasks/t-1`, {
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

  const rotateOthersTo = async (value: string) => {
    const store = new FileSecretStore(join(stack.stateDir, 'secrets.json'))
    for (const arn of otherSecrets) await store.rotate(arn, value)
  }

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

  it('does not repeat a SendMessage the agent refused, answered as the agent failing, but renews the token for the next call', async () => {
    // Prepare: an agent of its own, whose credentials no renewal has touched yet (guarded's were
    // renewed just now, and a second refusal within ten seconds is not met by another renewal),
    // with the secret the token endpoint takes since the rotation.
    await rotateOthersTo('secret-2')
    const send = () =>
      fetch(`${stack.url}/agents/guarded-writes/message:send`, {
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
    expect((await send()).status).toBe(200)
    const issued = tokens.issued()
    tokens.revokeAll()
    const before = seen.length

    // Act
    const refused = await send()
    const next = await send()

    // Assess: the agent's 401 is no caller's; the refused message went once, the next with a new token.
    expect([refused.status, next.status]).toEqual([502, 200])
    expect(refused.headers.get('www-authenticate')).toBeNull()
    expect(seen.slice(before)).toEqual([`Bearer token-${issued}`, `Bearer token-${issued + 1}`])
  })

  it('renews the credentials of an agent that refuses every call once, not once per call', async () => {
    // Prepare
    await rotateOthersTo('secret-2')
    const issued = tokens.issued()

    // Act: ten reads one after another, ten at once.
    const answers = []
    for (let call = 0; call < 10; call++) answers.push(await getTask('refuser'))
    answers.push(...(await Promise.all(Array.from({ length: 10 }, () => getTask('refuser')))))

    // Assess: two tokens fetched (its first and one renewal), where before each call fetched
    // one more (and read its secret afresh); each caller told the agent refused the gateway.
    expect(tokens.issued() - issued).toBe(2)
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(502))
    expect(answers.map((answer) => answer.headers.get('www-authenticate'))).toEqual(
      Array(20).fill(null),
    )
  })
})
