import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { BackendCredentialsError, backendCredentials } from '../../lib/backend/credentials.ts'
import { fetchAgentCard } from '../../lib/backend/fetch-card.ts'
import { forwardToBackend } from '../../lib/backend/forward.ts'
import { guardedFetch } from '../../lib/backend/guarded-fetch.ts'
import { BackendUnavailableError, BackendUrlRejectedError } from '../../lib/errors.ts'
import { checkBackendUrl, parseCidrs } from '../../lib/registry/backend-address.ts'
import { validCard } from '../support/card-server.ts'

/**
 * DNS rebinding: a name that resolved to a public address when the agent was
 * registered resolves to a reserved one when the gateway calls it. The name
 * resolves through a resolver the test controls; whatever it answers, the only
 * server that could be reached is the one on 127.0.0.1, which counts the
 * connections it gets.
 */
/** A request to an agent, for the credentials to authenticate. */
const agentRequest = {
  method: 'GET',
  url: 'https://agent.example.com/a2a',
  headers: {},
  body: undefined,
}

describe('guarded backend fetch', () => {
  let server: ReturnType<typeof createServer>
  let port: number
  let connections = 0
  /** What `agent.example.com` resolves to now. */
  let resolvesTo: string[] = []
  let resolutions = 0
  const resolve = async (host: string) => {
    resolutions++
    if (host !== 'agent.example.com')
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' })
    return resolvesTo
  }
  const guarded = (allowed: string[]) => guardedFetch({ allowed: parseCidrs(allowed), resolve })
  const url = (path = '/rpc') => `http://agent.example.com:${port}${path}`

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/.well-known/agent-card.json') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(validCard(`http://agent.example.com:${port}`)))
        return
      }
      if (request.url === '/moved') {
        response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' })
        response.end()
        return
      }
      if (request.url === '/echo-form') {
        let body = ''
        request.on('data', (chunk) => {
          body += chunk
        })
        request.on('end', () => {
          response.writeHead(200, { 'content-type': 'application/json' })
          response.end(JSON.stringify({ contentType: request.headers['content-type'], body }))
        })
        return
      }
      if (request.url === '/echo-headers') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ note: request.headers['x-note'] }))
        return
      }
      if (request.url === '/oauth2/token') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ access_token: 'token', expires_in: 3600 }))
        return
      }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('{"jsonrpc":"2.0","id":1,"result":{}}')
    })
    server.on('connection', () => connections++)
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
    port = (server.address() as AddressInfo).port
  })
  afterAll(
    () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  )
  beforeEach(() => {
    connections = 0
    resolutions = 0
  })

  const forward = (fetch: ReturnType<typeof guarded>, target = url()) =>
    forwardToBackend(
      'rebound',
      { url: target, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      { streaming: false, timeoutMs: 2_000, fetch },
    )

  const refusal = async (call: Promise<unknown>) => {
    const error = await call.then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(Error)
    return error as Error
  }

  it('refuses a name that passed registration and now resolves to 127.0.0.1, without connecting', async () => {
    // Prepare
    resolvesTo = ['93.184.215.14']
    await checkBackendUrl('backendUrl', url(), {
      mode: 'local',
      allowed: parseCidrs([]),
      resolve,
    })
    resolvesTo = ['127.0.0.1']

    // Act
    const error = await refusal(forward(guarded([])))

    // Assess
    expect(error).toBeInstanceOf(BackendUnavailableError)
    expect(error.message).toBe(
      "Agent 'rebound' did not answer: its address is a loopback address, which the gateway may not call.",
    )
    expect(connections).toBe(0)
  })

  it('refuses a name that now resolves to the cloud metadata address, naming neither host nor address', async () => {
    // Prepare
    resolvesTo = ['169.254.169.254']

    // Act
    const error = await refusal(forward(guarded(['127.0.0.0/8'])))

    // Assess
    expect(error).toBeInstanceOf(BackendUnavailableError)
    expect(error.message).toMatch(/link-local \(cloud metadata\) address/)
    expect(error.message).not.toMatch(/agent\.example\.com|169\.254/)
    expect(connections).toBe(0)
  })

  it('refuses when any address the name resolves to is reserved and not allowed', async () => {
    // Prepare
    resolvesTo = ['127.0.0.1', '10.1.2.3']

    // Act
    const error = await refusal(forward(guarded(['127.0.0.0/8'])))

    // Assess
    expect(error.message).toMatch(/private address/)
    expect(connections).toBe(0)
  })

  it('connects, resolving once, when BACKEND_ALLOWED_CIDRS allows the address', async () => {
    // Prepare
    resolvesTo = ['127.0.0.1']

    // Act
    const response = await forward(guarded(['127.0.0.0/8']))

    // Assess
    expect(response.statusCode).toBe(200)
    expect(await new Response(response.body as Uint8Array<ArrayBuffer>).json()).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {},
    })
    expect(connections).toBe(1)
    expect(resolutions).toBe(1)
  })

  it('refuses an IP-literal backend whose range is not allowed (any more), without connecting', async () => {
    // Act
    const error = await refusal(forward(guarded([]), `http://127.0.0.1:${port}/rpc`))

    // Assess
    expect(error.message).toMatch(/its address is a loopback address/)
    expect(connections).toBe(0)
  })

  it('refuses a token endpoint that now resolves to a reserved address, as a credentials failure', async () => {
    // Prepare
    resolvesTo = ['127.0.0.1']
    const credentials = backendCredentials({
      secrets: { read: async () => 'secret' },
      fetch: guarded([]),
    })

    // Act
    const error = await refusal(
      credentials.authenticate(
        agentRequest,
        {
          type: 'oauth2_client_credentials',
          tokenUrl: url('/oauth2/token'),
          clientId: 'gateway',
          secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
          secretOwned: true,
        },
        { agentId: 'rebound' },
      ),
    )

    // Assess
    expect(error).toBeInstanceOf(BackendCredentialsError)
    expect(error.message).toMatch(/loopback address/)
    expect(connections).toBe(0)
  })

  it('refuses a card URL that now resolves to a reserved address, naming the field', async () => {
    // Prepare
    resolvesTo = ['169.254.169.254']

    // Act
    const error = await refusal(
      fetchAgentCard(url('/.well-known/agent-card.json'), {
        timeoutMs: 2_000,
        fetch: guarded([]),
      }),
    )

    // Assess
    expect(error).toBeInstanceOf(BackendUrlRejectedError)
    expect(error.message).toBe(
      'agentCardUrl is not allowed: 169.254.169.254 is a link-local (cloud metadata) address (agent.example.com resolves to 169.254.169.254); an operator can allow it with BACKEND_ALLOWED_CIDRS.',
    )
    expect(connections).toBe(0)
  })

  it('fetches a card and a token through an allowed address', async () => {
    // Prepare
    resolvesTo = ['127.0.0.1']
    const fetch = guarded(['127.0.0.0/8'])
    const credentials = backendCredentials({ secrets: { read: async () => 'secret' }, fetch })

    // Act
    const card = await fetchAgentCard(url('/.well-known/agent-card.json'), {
      timeoutMs: 2_000,
      fetch,
    })
    const { headers } = await credentials.authenticate(
      agentRequest,
      {
        type: 'oauth2_client_credentials',
        tokenUrl: url('/oauth2/token'),
        clientId: 'gateway',
        secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
        secretOwned: true,
      },
      { agentId: 'rebound' },
    )

    // Assess
    expect(card).toMatchObject({ name: 'Echo Agent' })
    expect(headers).toEqual({ authorization: 'Bearer token' })
  })

  it('hands a redirect back only when asked to, and never follows it to its new address', async () => {
    // Prepare
    resolvesTo = ['127.0.0.1']
    const fetch = guarded(['127.0.0.0/8'])

    // Act
    const manual = await fetch(url('/moved'), { redirect: 'manual' })
    const refused = await refusal(fetch(url('/moved'), { redirect: 'error' }))

    // Assess
    expect(manual.status).toBe(302)
    expect(manual.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data/')
    expect(refused).toBeInstanceOf(TypeError)
    // Refused for the redirect itself, not for the address it points to: it was never tried.
    expect((refused.cause as Error).message).toBe('redirected (302)')
    await manual.body?.cancel()
  })

  it('sends a form body with its content type, as fetch would', async () => {
    // Prepare
    resolvesTo = ['127.0.0.1']
    const fetch = guarded(['127.0.0.0/8'])

    // Act
    const response = await fetch(url('/echo-form'), {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'a b' }),
      redirect: 'error',
    })

    // Assess
    expect(await response.json()).toEqual({
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      body: 'grant_type=client_credentials&scope=a+b',
    })
  })

  it.each([
    ['a plain record', { 'X-Note': ' a, b ' }],
    ['a record without a prototype', Object.assign(Object.create(null), { 'x-note': 'a, b' })],
    [
      'a Headers object',
      new Headers([
        ['X-Note', 'a'],
        ['x-note', 'b '],
      ]),
    ],
    [
      'pairs',
      [
        ['X-Note', ' a'],
        ['x-note', 'b'],
      ],
    ],
  ])(
    'sends headers given as %s as fetch would: trimmed, a name given twice joined',
    async (_kind, headers) => {
      // Prepare
      resolvesTo = ['127.0.0.1']
      const fetch = guarded(['127.0.0.0/8'])

      // Act
      const response = await fetch(url('/echo-headers'), { headers, redirect: 'error' })

      // Assess
      expect(await response.json()).toEqual({ note: 'a, b' })
    },
  )

  it('rejects with the signal’s reason when the answer stalls past its deadline', async () => {
    // Prepare
    resolvesTo = ['127.0.0.1']
    const fetch = guarded(['127.0.0.0/8'])
    const stalled = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"partial":')
    })
    await new Promise<void>((ready) => stalled.listen(0, '127.0.0.1', ready))
    const stalledPort = (stalled.address() as AddressInfo).port

    // Act
    const response = await fetch(`http://agent.example.com:${stalledPort}/`, {
      signal: AbortSignal.timeout(200),
      redirect: 'error',
    })
    const failure = await refusal(response.text())

    // Assess
    expect(failure.name).toBe('TimeoutError')
    stalled.closeAllConnections()
    stalled.close()
  })

  it('closes a pooled connection left idle, and never one a slow answer is still using', async () => {
    // Prepare: answers that pause longer than the pool's idle limit mid-body.
    resolvesTo = ['127.0.0.1']
    const closed: string[] = []
    const pausing = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.write('first ')
      setTimeout(() => response.end('second'), 300)
    })
    pausing.on('connection', (socket) => socket.on('close', () => closed.push('closed')))
    await new Promise<void>((ready) => pausing.listen(0, '127.0.0.1', ready))
    const pausingUrl = `http://agent.example.com:${(pausing.address() as AddressInfo).port}/`
    const fetch = guardedFetch(
      { allowed: parseCidrs(['127.0.0.0/8']), resolve },
      { idleSocketMs: 100 },
    )

    // Act
    const slow = await (await fetch(pausingUrl, { redirect: 'error' })).text()
    await new Promise((resolve) => setTimeout(resolve, 300))

    // Assess
    expect(slow).toBe('first second')
    expect(closed).toEqual(['closed'])
    pausing.close()
  })
})
