import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { asyncListener } from '../support/async-listener.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * A 0.3 agent: its card, `message/send` over JSON-RPC and (unless `jsonRpcOnly`)
 * `/v1/message:send` over HTTP+JSON.
 */
const startLegacyAgent = async ({ jsonRpcOnly = false } = {}) => {
  const card = () => ({
    name: 'Legacy',
    description: 'Still on A2A 0.3',
    version: '0.9.0',
    protocolVersion: '0.3.0',
    url: `${url}/rpc`,
    preferredTransport: 'JSONRPC',
    additionalInterfaces: jsonRpcOnly ? [] : [{ url: `${url}/rest`, transport: 'HTTP+JSON' }],
    securitySchemes: { legacyKey: { type: 'apiKey', in: 'header', name: 'X-Legacy' } },
    security: [{ legacyKey: [] }],
    skills: [],
  })
  const received: { path: string; body: string; version?: string }[] = []
  const server = createServer(
    asyncListener(async (request, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      if (request.url === '/.well-known/agent-card.json') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(card()))
        return
      }
      if (request.url === '/rest/v1/card') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ ...card(), description: 'Extended, for callers it knows' }))
        return
      }
      received.push({
        path: request.url ?? '',
        body,
        version: request.headers['a2a-version'] as string,
      })
      response.writeHead(200, { 'content-type': 'application/json' })
      const task = {
        kind: 'task',
        id: 'legacy-task',
        contextId: 'c',
        status: { state: 'completed' },
      }
      response.end(
        JSON.stringify(
          request.url === '/rpc' ? { jsonrpc: '2.0', id: JSON.parse(body).id, result: task } : task,
        ),
      )
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    cardUrl: `${url}/.well-known/agent-card.json`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('an A2A 0.3 agent behind the gateway', () => {
  let stack: RunningStack
  let legacy: Awaited<ReturnType<typeof startLegacyAgent>>
  let legacyRpc: Awaited<ReturnType<typeof startLegacyAgent>>
  let token: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    legacy = await startLegacyAgent()
    legacyRpc = await startLegacyAgent({ jsonRpcOnly: true })
    await registerAgents(stack, [
      { agentId: 'legacy', backendUrl: legacy.url, agentCardUrl: legacy.cardUrl },
      { agentId: 'legacy-rpc', backendUrl: legacyRpc.url, agentCardUrl: legacyRpc.cardUrl },
    ])
    await grantToDemoClient(['legacy', 'legacy-rpc'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await legacy.stop()
    await legacyRpc.stop()
    await stack.stop()
  })

  const headers = () => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'a2a-version': '0.3',
  })

  it('passes a 0.3 JSON-RPC call through byte for byte, and its answer back', async () => {
    // Prepare
    const body =
      '{"jsonrpc":"2.0","id":"x-1","method":"message/send","params":{"message":{"kind":"message","messageId":"m","role":"user","parts":[{"kind":"text","text":"hi"}]}}}'

    // Act
    const response = await fetch(`${stack.url}/agents/legacy`, {
      method: 'POST',
      headers: headers(),
      body,
    })

    // Assess
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 'x-1',
      result: { kind: 'task', id: 'legacy-task', contextId: 'c', status: { state: 'completed' } },
    })
    expect(legacy.received.at(-1)).toEqual({ path: '/rpc', body, version: '0.3' })
  })

  it('passes a 0.3 HTTP+JSON call to its /v1 path', async () => {
    // Act
    const response = await fetch(`${stack.url}/agents/legacy/v1/message:send`, {
      method: 'POST',
      headers: headers(),
      body: '{"message":{"messageId":"m","role":"user","parts":[{"text":"hi"}]}}',
    })

    // Assess
    expect(response.status).toBe(200)
    expect(legacy.received.at(-1)?.path).toBe('/rest/v1/message:send')
  })

  it('passes a 0.3 HTTP+JSON extended card call (GET /v1/card) and rewrites the card', async () => {
    // Act
    const response = await fetch(`${stack.url}/agents/legacy/v1/card`, { headers: headers() })

    // Assess
    expect(response.status).toBe(200)
    const card = await response.json()
    expect(card).toMatchObject({
      description: 'Extended, for callers it knows',
      url: `${stack.url}/agents/legacy`,
    })
    expect(JSON.stringify(card)).not.toMatch(new RegExp(`${legacy.url}|legacyKey`))
  })

  it('serves the 0.3 card pointing at the gateway with only the gateway’s security', async () => {
    // Act
    const card = await (
      await fetch(`${stack.url}/agents/legacy/.well-known/agent-card.json`, { headers: headers() })
    ).json()

    // Assess
    expect(card).toMatchObject({ protocolVersion: '0.3.0', url: `${stack.url}/agents/legacy` })
    expect(JSON.stringify(card)).not.toMatch(new RegExp(`${legacy.url}|legacyKey`))
  })

  it('brings a 1.0 HTTP+JSON call to a JSON-RPC-only 0.3 agent as message/send, and its task back in 1.0', async () => {
    // Act
    const response = await fetch(`${stack.url}/agents/legacy-rpc/message:send`, {
      method: 'POST',
      headers: { ...headers(), 'a2a-version': '1.0' },
      body: '{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"hi"}]}}',
    })

    // Assess
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      task: { id: 'legacy-task', contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' } },
    })
    const sent = legacyRpc.received.at(-1)
    expect(sent).toMatchObject({ path: '/rpc', version: '0.3' })
    expect(JSON.parse(sent?.body ?? '{}')).toMatchObject({
      method: 'message/send',
      params: {
        message: { kind: 'message', role: 'user', parts: [{ kind: 'text', text: 'hi' }] },
        configuration: { blocking: true },
      },
    })
  })

  it('brings a 1.0 caller’s numbers to a 0.3 agent as written, and refuses as too large (413) a call its translation grows past the request limit', async () => {
    // Prepare: 400,000 parts of `{"data":0}` (4.4 MB, within the 6 MiB a request may be), each
    // 0.3's wrapped data part once translated, some 30 MB; and a call of numbers JSON writes otherwise
    const parts = Array(400_000).fill('{"data":0}').join(',')
    const numbers = '{"big":12345678901234567890,"e":1e20,"z":-0}'
    const received = legacyRpc.received.length

    // Act
    const kept = await fetch(`${stack.url}/agents/legacy-rpc/message:send`, {
      method: 'POST',
      headers: { ...headers(), 'a2a-version': '1.0' },
      body: `{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"hi"}],"metadata":${numbers}}}`,
    })
    const refused = await fetch(`${stack.url}/agents/legacy-rpc/message:send`, {
      method: 'POST',
      headers: { ...headers(), 'a2a-version': '1.0' },
      body: `{"message":{"messageId":"m","role":"ROLE_USER","parts":[${parts}]}}`,
    })

    // Assess: the first reached the agent with its numbers as written (until 7 December 2026,
    // 12345678901234567000, 100000000000000000000 and 0); the second never reached it
    expect(kept.status).toBe(200)
    expect(legacyRpc.received.at(-1)?.body).toContain(`"metadata":${numbers}`)
    expect(refused.status).toBe(413)
    expect(JSON.stringify(await refused.json())).toContain('translated to A2A 0.3 for this agent')
    expect(legacyRpc.received).toHaveLength(received + 1)
  })

  it('brings a 1.0 call spelled by proto names to a 0.3 agent in 0.3’s names: not blocking, its context, its webhook the gateway’s', async () => {
    // Act: ProtoJSON lets a 1.0 caller spell each field by its proto name
    const response = await fetch(`${stack.url}/agents/legacy-rpc`, {
      method: 'POST',
      headers: { ...headers(), 'a2a-version': '1.0' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendMessage',
        params: {
          message: {
            message_id: 'm-proto',
            context_id: 'c-proto',
            role: 'ROLE_USER',
            parts: [{ text: 'hi' }],
          },
          configuration: {
            return_immediately: true,
            history_length: 1,
            accepted_output_modes: ['text/plain'],
            task_push_notification_config: { url: 'http://127.0.0.1:9/client-hook' },
          },
        },
      }),
    })

    // Assess
    expect(response.status).toBe(200)
    const sent = JSON.parse(legacyRpc.received.at(-1)?.body ?? '{}')
    expect(sent).toMatchObject({
      method: 'message/send',
      params: {
        message: { messageId: 'm-proto', contextId: 'c-proto', role: 'user' },
        configuration: {
          blocking: false,
          historyLength: 1,
          acceptedOutputModes: ['text/plain'],
          pushNotificationConfig: { url: expect.stringMatching(`^${stack.url}/push/`) },
        },
      },
    })
  })

  it('brings a 1.0 HTTP+JSON history_length to a 0.3 agent as a historyLength it reads', async () => {
    // Prepare: the task the 0.3 agent answers with is the caller's
    await fetch(`${stack.url}/agents/legacy-rpc/message:send`, {
      method: 'POST',
      headers: { ...headers(), 'a2a-version': '1.0' },
      body: '{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"hi"}]}}',
    })

    // Act
    const response = await fetch(
      `${stack.url}/agents/legacy-rpc/tasks/legacy-task?history_length=1`,
      { headers: { ...headers(), 'a2a-version': '1.0' } },
    )

    // Assess
    expect(response.status).toBe(200)
    expect(JSON.parse(legacyRpc.received.at(-1)?.body ?? '{}')).toMatchObject({
      method: 'tasks/get',
      params: { id: 'legacy-task', historyLength: 1 },
    })
  })

  it('offers 0.3 callers of a JSON-RPC-only 0.3 agent only JSON-RPC, since 0.3 to 0.3 is not translated', async () => {
    // Act
    const card = await (
      await fetch(`${stack.url}/agents/legacy-rpc/.well-known/agent-card.json`, {
        headers: headers(),
      })
    ).json()
    const listed = await (await fetch(`${stack.url}/agents`, { headers: headers() })).json()

    // Assess
    expect(card).toMatchObject({
      url: `${stack.url}/agents/legacy-rpc`,
      preferredTransport: 'JSONRPC',
    })
    expect(card.additionalInterfaces).toEqual([
      { url: `${stack.url}/agents/legacy-rpc`, transport: 'JSONRPC' },
    ])
    const inList = listed.agents.find(
      (agent: { agentId: string }) => agent.agentId === 'legacy-rpc',
    )
    expect(inList.card.additionalInterfaces).toEqual(card.additionalInterfaces)
  })
})
