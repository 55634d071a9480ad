import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningAgent } from '../../agents/serve.ts'
import {
  type GatewayResponseType,
  maxRequestBodyBytes,
  renderGatewayResponse,
} from '../../lib/gateway-responses.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'

/** What a raw request got back, and how much of its body the client had sent by then. */
interface RawAnswer {
  status: number
  body: string
  sentBytes: number
}

/**
 * POSTs a body of `totalBytes` in 64 KiB chunks, declared up front (`content-length`)
 * or chunked, and stops sending as soon as an answer arrives.
 */
const postLarge = (url: string, totalBytes: number, declared: boolean) =>
  new Promise<RawAnswer>((resolve, reject) => {
    const outgoing = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(declared ? { 'content-length': String(totalBytes) } : {}),
      },
    })
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let sentBytes = 0
    let answered = false
    outgoing.on('response', (response) => {
      answered = true
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (text: string) => {
        body += text
      })
      response.on('end', () => {
        outgoing.destroy()
        resolve({ status: response.statusCode ?? 0, body, sentBytes })
      })
    })
    outgoing.on('error', (error) => {
      if (!answered) reject(error)
    })
    const pump = () => {
      while (!answered && sentBytes < totalBytes) {
        sentBytes += chunk.length
        if (!outgoing.write(chunk)) {
          outgoing.once('drain', pump)
          return
        }
      }
      if (!answered && !declared) outgoing.end()
    }
    pump()
  })

describe('the local gateway’s front door: what API Gateway answers before any handler', () => {
  let stack: RunningStack
  let demo: string
  const agent = (agentId: string) =>
    stack.agents.find((candidate) => candidate.agentId === agentId) as RunningAgent

  beforeAll(async () => {
    stack = await startThrowawayStack()
    demo = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  /** The body lib/gateway-responses.ts makes of a gateway response for this answer. */
  const expectedBody = (
    kind: GatewayResponseType,
    response: Response,
    context: Record<string, string> = {},
  ) =>
    renderGatewayResponse(kind, {
      ...context,
      requestId: response.headers.get('x-amzn-requestid') as string,
    }).body

  /** What the authorizer says of weather-client's token, as a gateway response names it. */
  const weatherClientContext = {
    'authorizer.clientId': 'weather-client',
    'authorizer.agents': 'weather',
    'authorizer.admin': 'false',
  }

  describe('malformed percent-escapes in the path', () => {
    it.each([
      '/agents/%ZZ',
      '/admin/agents/%ZZ',
      '/agents/weather/%E0%A4%A',
      '/agents/weather/tasks/%',
    ])('answers 400 to %s, with or without a token, and no agent hears of it', async (path) => {
      // Prepare
      const before = agent('weather').requestCount()

      // Act
      const anonymous = await fetch(`${stack.url}${path}`)
      const withToken = await fetch(`${stack.url}${path}`, {
        headers: { authorization: `Bearer ${demo}` },
      })

      // Assess
      expect([anonymous.status, withToken.status]).toEqual([400, 400])
      expect(await anonymous.json()).toEqual({ message: 'Bad Request' })
      expect(agent('weather').requestCount()).toBe(before)
    })
  })

  describe('bodies over API Gateway’s 10 MB', () => {
    it('refuses a declared 300 MB body with 413 before the authorizer, having read none of it', async () => {
      // Act
      const answer = await postLarge(`${stack.url}/agents/weather`, 300 * 1024 * 1024, true)

      // Assess
      expect(answer.status).toBe(413)
      expect(JSON.parse(answer.body)).toEqual({ message: 'Request Too Long' })
      expect(answer.sentBytes).toBeLessThan(maxRequestBodyBytes)
    })

    it('stops reading a chunked body past 10 MB and answers 413 while the rest is still coming', async () => {
      // Act
      const answer = await postLarge(`${stack.url}/route`, 300 * 1024 * 1024, false)

      // Assess
      expect(answer.status).toBe(413)
      expect(JSON.parse(answer.body)).toEqual({ message: 'Request Too Long' })
      expect(answer.sentBytes).toBeLessThan(300 * 1024 * 1024)
    })

    it('still takes a body of exactly 10 MB to the authorizer', async () => {
      // Act
      const response = await fetch(`${stack.url}/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(maxRequestBodyBytes, 0x20),
      })

      // Assess
      expect(response.status).toBe(401)
    })
  })

  describe('requests over Lambda’s 6 MB, counted on the event as Lambda counts it', () => {
    /** A JSON-RPC SendMessage to the weather agent whose one text part is `text`. */
    const send = (text: string) =>
      fetch(`${stack.url}/agents/weather`, {
        method: 'POST',
        headers: { authorization: `Bearer ${demo}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'SendMessage',
          params: { message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text }] } },
        }),
      })

    it('answers 413 to a 4 MB body of quotes, which the event holds as 8 MB, and no agent hears of it', async () => {
      // Prepare: each quote is 2 bytes of the body (\") and 4 of the event's body string (\\\")
      const before = agent('weather').requestCount()

      // Act
      const response = await send('"'.repeat(2_000_000))

      // Assess: under MAX_REQUEST_BYTES (6291456), yet Lambda would refuse the invocation
      expect(response.status).toBe(413)
      expect(await response.json()).toEqual({ message: 'Request Too Long' })
      expect(agent('weather').requestCount()).toBe(before)
    })

    it('still takes a 5 MB body of plain text to the agent', async () => {
      // Prepare
      const before = agent('weather').requestCount()

      // Act
      const response = await send('a'.repeat(5_000_000))

      // Assess
      expect(response.status).not.toBe(413)
      expect(agent('weather').requestCount()).toBe(before + 1)
    })
  })

  describe('gateway responses: one problem+json shape, as Terraform configures them', () => {
    it('answers 401 without a token or with a bad one: problem+json, WWW-Authenticate, the request id', async () => {
      // Act
      const missing = await fetch(`${stack.url}/agents/weather/message:send`, { method: 'POST' })
      const bad = await fetch(`${stack.url}/agents`, {
        headers: { authorization: 'Bearer not-a-token' },
      })

      // Assess
      for (const response of [missing, bad]) {
        expect(response.status).toBe(401)
        expect(response.headers.get('content-type')).toBe('application/problem+json')
        expect(response.headers.get('www-authenticate')).toBe(
          `Bearer resource_metadata="${stack.url}/.well-known/oauth-protected-resource"`,
        )
        expect(await response.text()).toBe(expectedBody('UNAUTHORIZED', response))
      }
    })

    it('answers 403 naming the agents the token does grant', async () => {
      // Prepare
      const weatherOnly = await stack.token('weather-client')

      // Act
      const response = await fetch(`${stack.url}/agents/calculator/message:send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${weatherOnly}`, 'content-type': 'application/json' },
        body: '{}',
      })

      // Assess
      expect(response.status).toBe(403)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      const body = await response.text()
      expect(body).toBe(expectedBody('ACCESS_DENIED', response, weatherClientContext))
      expect(JSON.parse(body).detail).toContain('It grants these agents: weather (admin: false)')
    })

    it.each([['PUT'], ['PATCH'], ['HEAD'], ['OPTIONS']])(
      'answers %s below an agent the token grants with a 403 that names the methods served there',
      async (method) => {
        // Prepare: a method A2A does not use, on the caller's own agent.
        const weatherOnly = await stack.token('weather-client')

        // Act
        const response = await fetch(`${stack.url}/agents/weather/tasks/t-1`, {
          method,
          headers: { authorization: `Bearer ${weatherOnly}` },
        })

        // Assess: not only "ask an operator for a scope", which no scope would change.
        expect(response.status).toBe(403)
        if (method === 'HEAD') return
        const body = await response.text()
        expect(body).toBe(expectedBody('ACCESS_DENIED', response, weatherClientContext))
        expect(JSON.parse(body).detail).toContain(
          'Below an agent, only the methods A2A uses are served (GET, POST, DELETE)',
        )
      },
    )

    it('answers 404, not 403, to a path no route serves, without asking for a token', async () => {
      // Act
      const response = await fetch(`${stack.url}/no/such/path`)

      // Assess
      expect(response.status).toBe(404)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      const body = await response.text()
      expect(body).toBe(expectedBody('MISSING_AUTHENTICATION_TOKEN', response))
      expect(JSON.parse(body)).toMatchObject({
        status: 404,
        requestId: response.headers.get('x-amzn-requestid'),
      })
    })
  })

  describe('GET /health', () => {
    it('answers 200 {status: ok} without a token, and counts against no limit', async () => {
      // Act
      const responses = await Promise.all(
        Array.from({ length: 70 }, () => fetch(`${stack.url}/health`)),
      )

      // Assess
      expect(new Set(responses.map((response) => response.status))).toEqual(new Set([200]))
      expect(await responses[0]?.json()).toEqual({ status: 'ok' })
    })
  })
})
