import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/** A request fetch cannot make (a GET with a body), bounded like postA2A. */
const rawRequest = (url: string, init: { method: string; token: string; body: string }) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const sent = httpRequest(
      url,
      {
        method: init.method,
        headers: {
          authorization: `Bearer ${init.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(init.body),
        },
        timeout: 10_000,
      },
      async (response) => {
        let body = ''
        for await (const chunk of response) body += chunk
        resolve({ status: response.statusCode ?? 0, body })
      },
    )
    sent.on('timeout', () => sent.destroy(new Error('no answer')))
    sent.on('error', reject)
    sent.end(init.body)
  })

describe('one reading of each request, through the local gateway', () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  const received: { url: string; body: string }[] = []

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    agent = await startScriptedAgent({
      answer: (request, body, response) => {
        received.push({ url: request.url ?? '', body })
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          request.url === '/rpc'
            ? JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(body).id, result: {} })
            : '{}',
        )
      },
    })
    await registerAgents(stack, [
      { agentId: 'reader', backendUrl: agent.url, agentCardUrl: agent.cardUrl },
    ])
    // 'unregistered' is granted but never registered: its calls fail after the request is read.
    await grantToDemoClient(['reader', 'unregistered'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent.stop()
    await stack.stop()
  })

  it('refuses a JSON-RPC body that names the method twice with -32600, the agent untouched', async () => {
    // Prepare
    const before = received.length
    const body = `{"jsonrpc":"2.0","id":5,"method":"SendMessage","method":"GetTask","params":${JSON.stringify(textMessageParams('hi'))}}`

    // Act
    const response = await fetch(`${stack.url}/agents/reader`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    })

    // Assess
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 5,
      error: {
        code: -32600,
        message: 'The request body names "method" twice in one object; each key may appear once.',
      },
    })
    expect(received.length).toBe(before)
  })

  it('answers a JSON-RPC call whose body came base64-encoded with its own id', async () => {
    // Act: API Gateway (and the emulator) base64-encode a body of a non-text type.
    const response = await fetch(`${stack.url}/agents/unregistered`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: JSON.stringify(jsonRpc('SendMessage', textMessageParams('hi'), 'req-16')),
    })

    // Assess
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ id: 'req-16', error: { code: -32050 } })
  })

  it('forwards a base64-encoded JSON-RPC body to the agent as the caller wrote it', async () => {
    // Prepare
    const body = JSON.stringify(jsonRpc('SendMessage', textMessageParams('hi'), 'b64'))

    // Act
    const response = await fetch(`${stack.url}/agents/reader`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body,
    })

    // Assess
    expect(await response.json()).toMatchObject({ id: 'b64', result: {} })
    expect(received.at(-1)).toEqual({ url: '/rpc', body })
  })

  it('refuses a GET that carries a body with 400 saying why, the agent untouched', async () => {
    // Prepare
    const before = received.length

    // Act
    const response = await rawRequest(`${stack.url}/agents/reader/tasks/t-1`, {
      method: 'GET',
      token,
      body: '{"id":"t-2"}',
    })

    // Assess
    expect(response.status).toBe(400)
    expect(JSON.parse(response.body).error.message).toBe(
      'A GET request carries no body, and this one has one: send GetTask without it.',
    )
    expect(received.length).toBe(before)
  })

  it('takes a tenant segment that decodes to a bad escape as the text it is, not a 500', async () => {
    // Act
    const response = await postA2A(
      `${stack.url}/agents/reader/%25ZZ/message:send`,
      token,
      textMessageParams('hi'),
    )

    // Assess: the agent gets the tenant as the caller encoded it.
    expect(response.status).toBe(200)
    expect(received.at(-1)?.url).toBe('/rest/%25ZZ/message:send')
  })
})
