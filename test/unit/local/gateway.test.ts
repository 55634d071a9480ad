import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildPolicy } from '../../../lib/auth/policy.ts'
import { renderGatewayResponse } from '../../../lib/gateway-responses.ts'
import { headerOf } from '../../../lib/http/lambda-event.ts'
import { installAwsLambdaShim, type StreamingHandler } from '../../../local/awslambda-shim.ts'
import { createGateway } from '../../../local/gateway.ts'
import type { LocalIdentity } from '../../../local/identity.ts'

const identity = {
  jwks: () => ({ keys: [] }),
  openidConfiguration: () => ({ issuer: 'http://issuer.test', scopes_supported: [] }),
  issueToken: async () => ({ status: 400, body: {} }),
} as unknown as LocalIdentity

/** client-1's policy granting the weather agent, as handlers/authorizer.ts builds it. */
const weatherPolicy = (methodArn: string) =>
  buildPolicy({
    methodArn,
    principalId: 'client-1',
    grants: { weather: '*' },
    isAdmin: false,
    context: { principal: 'client-1', admin: 'false' },
  }).result

/**
 * Grants weather only; `Bearer bad` is refused, `Bearer boom` breaks the authorizer.
 * Reads the token as handlers/authorizer.ts does.
 */
const authorizer = vi.fn(async (event: APIGatewayRequestAuthorizerEvent) => {
  const token = headerOf(event, 'authorization')
  if (token === 'Bearer bad') throw new Error('Unauthorized')
  if (token === 'Bearer boom') throw new Error('table not found')
  return weatherPolicy(event.methodArn)
})
const discovery = vi.fn(async (event: APIGatewayProxyEvent) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(event.requestContext.authorizer),
}))
const agents = vi.fn(async () => ({ statusCode: 200, body: 'agent answered' }))

let server: Server | undefined
const startGateway = async (
  authorizerCacheTtlSeconds: number,
  authorizerCacheMaxEntries?: number,
) => {
  const handle = createGateway({
    handlers: { authorizer, agents, discovery, admin: agents, console: agents },
    identity,
    publicUrl: 'http://gateway.test',
    authorizerCacheTtlSeconds,
    authorizerCacheMaxEntries,
  })
  server = createServer(handle)
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return (path: string, token?: string, method = 'GET') =>
    fetch(`${url}${path}`, { method, headers: token ? { authorization: token } : {} })
}

afterEach(async () => {
  vi.clearAllMocks()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
})

/** GET /agents with `headers` (name, value, name, value, …) sent as written; its status. */
const withExactHeaders = (port: number, headers: string[]) =>
  new Promise<number | undefined>((resolve, reject) => {
    request(
      {
        host: '127.0.0.1',
        port,
        path: '/agents',
        headers: ['Host', `127.0.0.1:${port}`, ...headers],
      },
      (response) => response.resume().on('end', () => resolve(response.statusCode)),
    )
      .on('error', reject)
      .end()
  })

/** GET /agents with a token and `headers` (name, value, name, value, …) sent as written; its status. */
const withRawHeaders = (port: number, headers: string[]) =>
  withExactHeaders(port, ['Authorization', 'Bearer good', ...headers])

describe('local API Gateway', () => {
  it('caches the authorizer result per token and judges later paths by the cached policy', async () => {
    // Prepare
    const call = await startGateway(300)

    // Act
    const first = await call('/agents', 'Bearer good')
    const second = await call('/agents', 'Bearer good')
    const denied = await call('/agents/calculator', 'Bearer good', 'POST')

    // Assess
    expect([first.status, second.status, denied.status]).toEqual([200, 200, 403])
    expect(authorizer).toHaveBeenCalledOnce()
    expect(await denied.text()).toBe(
      renderGatewayResponse('ACCESS_DENIED', {
        requestId: denied.headers.get('x-amzn-requestid') as string,
        'authorizer.principal': 'client-1',
        'authorizer.admin': 'false',
      }).body,
    )
    expect(agents).not.toHaveBeenCalled()
  })

  it('keeps at most authorizerCacheMaxEntries tokens, forgetting the oldest first', async () => {
    // Prepare
    const call = await startGateway(300, 2)

    // Act
    for (const token of ['Bearer one', 'Bearer two', 'Bearer three']) await call('/agents', token)
    await call('/agents', 'Bearer three')
    const callsWhileCached = authorizer.mock.calls.length
    await call('/agents', 'Bearer one')

    // Assess
    expect(callsWhileCached).toBe(3)
    expect(authorizer).toHaveBeenCalledTimes(4)
  })

  it('calls the authorizer for every request when caching is off', async () => {
    // Prepare
    const call = await startGateway(0)

    // Act
    await call('/agents', 'Bearer good')
    await call('/agents', 'Bearer good')

    // Assess
    expect(authorizer).toHaveBeenCalledTimes(2)
  })

  it('hands the handler the authorizer context as strings, with principalId', async () => {
    // Prepare
    const call = await startGateway(0)

    // Act
    const context = await (await call('/agents', 'Bearer good')).json()

    // Assess
    expect(context).toMatchObject({
      principalId: 'client-1',
      principal: 'client-1',
      admin: 'false',
    })
  })

  it('passes header names in the client’s casing: the last value in headers, all in multiValueHeaders', async () => {
    // Prepare
    await startGateway(0)
    const { port } = (server as Server).address() as AddressInfo

    // Act: fetch would lower-case the names; a raw request keeps them as written.
    await withRawHeaders(port, ['X-Trace', 'a', 'X-Trace', 'b'])

    // Assess
    const event = discovery.mock.calls[0]?.[0] as APIGatewayProxyEvent
    expect(event.headers).toMatchObject({ Authorization: 'Bearer good', 'X-Trace': 'b' })
    expect(event.headers).not.toHaveProperty('authorization')
    expect(event.multiValueHeaders).toMatchObject({ 'X-Trace': ['a', 'b'] })
  })

  it('passes a header named like an object property (constructor) as any other header', async () => {
    // Prepare
    await startGateway(0)
    const { port } = (server as Server).address() as AddressInfo

    // Act
    const status = await withRawHeaders(port, ['constructor', 'a', 'constructor', 'b'])

    // Assess
    expect(status).toBe(200)
    const event = discovery.mock.calls[0]?.[0] as APIGatewayProxyEvent
    expect(event.headers.constructor).toBe('b')
    expect(Object.hasOwn(event.multiValueHeaders, 'constructor')).toBe(true)
    expect(event.multiValueHeaders.constructor).toEqual(['a', 'b'])
  })

  it('passes a header and a query parameter named __proto__ as own properties with their values', async () => {
    // Prepare
    const call = await startGateway(0)
    const { port } = (server as Server).address() as AddressInfo

    // Act
    await withRawHeaders(port, ['__proto__', 'a', '__proto__', 'b'])
    await call('/agents?__proto__=x', 'Bearer good')

    // Assess
    const [withHeader, withQuery] = discovery.mock.calls.map(([event]) => event)
    const own = (object: object | null | undefined) =>
      Object.getOwnPropertyDescriptor(object ?? {}, '__proto__')?.value
    expect(own(withHeader?.headers)).toBe('b')
    expect(own(withHeader?.multiValueHeaders)).toEqual(['a', 'b'])
    expect(Object.getPrototypeOf(withHeader?.multiValueHeaders)).toBe(Object.prototype)
    expect(own(withQuery?.queryStringParameters)).toBe('x')
    expect(own(withQuery?.multiValueQueryStringParameters)).toEqual(['x'])
  })

  it('caches an answer under the token the authorizer judged, the last of two Authorization headers', async () => {
    // Prepare
    const call = await startGateway(300)
    const { port } = (server as Server).address() as AddressInfo

    // Act
    const both = await withExactHeaders(port, [
      'Authorization',
      'Bearer bad',
      'Authorization',
      'Bearer good',
    ])
    const junkAlone = await call('/agents', 'Bearer bad')

    // Assess
    expect([both, junkAlone.status]).toEqual([200, 401])
  })

  it('passes the query as API Gateway does: the last value in queryStringParameters, all in multiValueQueryStringParameters', async () => {
    // Prepare
    const call = await startGateway(0)

    // Act
    await call('/agents?skill=a&constructor=x&skill=b', 'Bearer good')
    await call('/agents', 'Bearer good')

    // Assess
    const [withQuery, without] = discovery.mock.calls.map(([event]) => event)
    expect(withQuery?.queryStringParameters).toEqual({ skill: 'b', constructor: 'x' })
    expect(withQuery?.multiValueQueryStringParameters).toEqual({
      skill: ['a', 'b'],
      constructor: ['x'],
    })
    expect(Object.keys(withQuery?.multiValueQueryStringParameters ?? {})).toEqual([
      'skill',
      'constructor',
    ])
    expect(without?.queryStringParameters).toBeNull()
    expect(without?.multiValueQueryStringParameters).toBeNull()
  })

  it('reads a request target’s query as new URL does, plain or not: a second ?, escapes, a fragment', async () => {
    // Prepare
    await startGateway(0)
    const { port } = (server as Server).address() as AddressInfo
    const targets = [
      '/agents?skill=a&skill=b',
      '/agents??skill=a',
      "/agents?q=%22x%22+y&q=it's",
      '/agents?q="x"',
      '/agents?skill=a#fragment',
    ]

    // Act: a raw request sends the target as written. (Its dot segments are kept as sent, not
    // resolved as new URL would: test/e2e/token-attacks.test.ts, the policy's Deny.)
    for (const target of targets) {
      await new Promise<void>((resolve, reject) => {
        request({
          host: '127.0.0.1',
          port,
          path: target,
          headers: { authorization: 'Bearer good' },
        })
          .on('response', (response) => response.resume().on('end', resolve))
          .on('error', reject)
          .end()
      })
    }

    // Assess
    const seen = discovery.mock.calls.map(([event]) => [
      event.path,
      event.multiValueQueryStringParameters,
    ])
    const expected = targets.map((target) => {
      const url = new URL(target, 'http://local')
      const query = Object.fromEntries(
        [...new Set(url.searchParams.keys())].map((name) => [name, url.searchParams.getAll(name)]),
      )
      return [url.pathname, url.searchParams.size > 0 ? query : null]
    })
    expect(seen).toEqual(expected)
  })

  it('judges each route by the cached policy every time: an allowed route stays allowed, a denied one denied', async () => {
    // Prepare
    const call = await startGateway(300)

    // Act
    const statuses = []
    for (const _ of [1, 2]) {
      statuses.push((await call('/agents', 'Bearer good')).status)
      statuses.push((await call('/agents/calculator', 'Bearer good', 'POST')).status)
      statuses.push((await call('/agents/weather', 'Bearer good', 'POST')).status)
    }

    // Assess
    expect(statuses).toEqual([200, 403, 200, 200, 403, 200])
    expect(authorizer).toHaveBeenCalledOnce()
    expect(agents).toHaveBeenCalledTimes(2)
  })

  it('answers 401 without a token or when the authorizer says Unauthorized', async () => {
    // Prepare
    const call = await startGateway(0)

    // Act
    const missing = await call('/agents')
    const refused = await call('/agents', 'Bearer bad')

    // Assess
    expect([missing.status, refused.status]).toEqual([401, 401])
    expect(await refused.json()).toMatchObject({ status: 401, title: 'Unauthorized' })
    expect(authorizer).toHaveBeenCalledOnce()
  })

  it('answers 500, not 401, when the authorizer fails, with the AUTHORIZER_CONFIGURATION_ERROR problem', async () => {
    // Prepare
    const call = await startGateway(0)

    // Act
    const response = await call('/agents', 'Bearer boom')

    // Assess
    expect(response.status).toBe(500)
    expect(response.headers.get('x-amzn-errortype')).toBe('AuthorizerConfigurationException')
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(await response.text()).toBe(
      renderGatewayResponse('AUTHORIZER_CONFIGURATION_ERROR', {
        requestId: response.headers.get('x-amzn-requestid') as string,
      }).body,
    )
  })

  it.each([
    ['a context value that is an object', { grants: { weather: '*' } }, true],
    ['a context value that is an array', { agents: ['weather'] }, true],
    ['no policy document', { principal: 'client-1' }, false],
  ])(
    'answers an authorizer answer with %s with the AUTHORIZER_CONFIGURATION_ERROR problem, as API Gateway does',
    async (_, context, withPolicy) => {
      // Prepare
      const call = await startGateway(0)
      authorizer.mockImplementationOnce(async (event) => {
        const result = weatherPolicy(event.methodArn)
        return {
          principalId: result.principalId,
          ...(withPolicy ? { policyDocument: result.policyDocument } : {}),
          context,
        } as unknown as typeof result
      })

      // Act
      const response = await call('/agents', 'Bearer good')

      // Assess
      expect(response.status).toBe(500)
      expect(response.headers.get('x-amzn-errortype')).toBe('AuthorizerConfigurationException')
      expect(await response.text()).toBe(
        renderGatewayResponse('AUTHORIZER_CONFIGURATION_ERROR', {
          requestId: response.headers.get('x-amzn-requestid') as string,
        }).body,
      )
      expect(discovery).not.toHaveBeenCalled()
    },
  )

  it('passes a call whose authorizer answer has a context value left undefined, as its JSON on AWS has none', async () => {
    // Prepare: a Lambda's answer reaches API Gateway as JSON, where an undefined value is absent.
    const call = await startGateway(0)
    authorizer.mockImplementationOnce(async (event) => {
      const result = weatherPolicy(event.methodArn)
      return { ...result, context: { principal: 'client-1', tenant: undefined } } as typeof result
    })

    // Act
    const response = await call('/agents', 'Bearer good')

    // Assess
    expect(response.status).toBe(200)
    expect(discovery).toHaveBeenCalledOnce()
    const authorizerContext = discovery.mock.calls[0]?.[0].requestContext.authorizer
    expect(authorizerContext).toMatchObject({ principal: 'client-1' })
    expect(authorizerContext).not.toHaveProperty('tenant')
  })

  it('says in its log why its token endpoint failed (a damaged identity file, say), where it answered 500 and said nothing', async () => {
    // Prepare
    const failing = {
      ...identity,
      issueToken: async () => {
        throw new Error('the identity file /state/identity.json cannot be used (empty)')
      },
    } as unknown as LocalIdentity
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    server = createServer(
      createGateway({
        handlers: { authorizer, agents, discovery, admin: agents, console: agents },
        identity: failing,
        publicUrl: 'http://gateway.test',
        authorizerCacheTtlSeconds: 0,
      }),
    )
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const { port } = (server as Server).address() as AddressInfo

    // Act
    const response = await fetch(`http://127.0.0.1:${port}/oauth2/token?code=not-for-a-log`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
    const lines = said.mock.calls.map((call) => call.join(' '))
    said.mockRestore()

    // Assess
    expect(response.status).toBe(500)
    expect(lines).toEqual([
      'POST /oauth2/token failed: the identity file /state/identity.json cannot be used (empty)',
    ])
  })

  it('answers a path no route serves with the 404 problem, without calling the authorizer', async () => {
    // Prepare
    const call = await startGateway(0)

    // Act
    const response = await call('/nothing/here', 'Bearer good')

    // Assess
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ status: 404, title: 'Not found' })
    expect(authorizer).not.toHaveBeenCalled()
  })

  it.each([
    ['no binary media types (terraform/api.tf’s)', undefined, false],
    ['application/octet-stream a binary media type', ['application/octet-stream'], true],
  ])(
    'passes a request body of a type that is not text base64-encoded only when it is a binary media type: %s',
    async (_, binaryMediaTypes, encoded) => {
      // Prepare
      const seen = vi.fn(async (event: APIGatewayProxyEvent) => ({
        statusCode: 200,
        body: JSON.stringify({ body: event.body, isBase64Encoded: event.isBase64Encoded }),
      }))
      const handle = createGateway({
        handlers: { authorizer, agents: seen, discovery, admin: agents, console: agents },
        identity,
        publicUrl: 'http://gateway.test',
        authorizerCacheTtlSeconds: 0,
        binaryMediaTypes,
      })
      server = createServer(handle)
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const body = '{"jsonrpc":"2.0","id":1,"method":"GetTask"}'

      // Act
      const response = await fetch(`${url}/agents/weather`, {
        method: 'POST',
        headers: { authorization: 'Bearer good', 'content-type': 'application/octet-stream' },
        body,
      })

      // Assess
      expect(await response.json()).toEqual(
        encoded
          ? { body: Buffer.from(body).toString('base64'), isBase64Encoded: true }
          : { body, isBase64Encoded: false },
      )
    },
  )

  it('sends a buffered base64 body as the base64 text it is, as API Gateway does for a REST API without binary media types', async () => {
    // Prepare: a handler answering the way the console once did.
    const page = '<!doctype html><p>console</p>'
    const base64 = Buffer.from(page).toString('base64')
    const operatorConsole = vi.fn(async () => ({
      statusCode: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: base64,
      isBase64Encoded: true,
    }))
    const handle = createGateway({
      handlers: { authorizer, agents, discovery, admin: agents, console: operatorConsole },
      identity,
      publicUrl: 'http://gateway.test',
      authorizerCacheTtlSeconds: 0,
    })
    server = createServer(handle)
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    // Act
    const answers = await Promise.all(
      ['text/html', 'image/png', '*/*'].map(async (accept) =>
        (await fetch(`${url}/console`, { headers: { accept } })).text(),
      ),
    )

    // Assess: whatever the browser accepts, API Gateway would not decode it.
    expect(answers).toEqual([base64, base64, base64])
  })

  it('decodes a buffered base64 body only when the first Accept type is one of the binary media types', async () => {
    // Prepare
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00])
    const icon = vi.fn(async () => ({
      statusCode: 200,
      headers: { 'content-type': 'image/png' },
      body: png.toString('base64'),
      isBase64Encoded: true,
    }))
    const text = vi.fn(async () => ({
      statusCode: 200,
      body: 'plain text',
      isBase64Encoded: false,
    }))
    const handle = createGateway({
      handlers: { authorizer, agents, discovery: text, admin: agents, console: icon },
      identity,
      publicUrl: 'http://gateway.test',
      authorizerCacheTtlSeconds: 0,
      binaryMediaTypes: ['image/*'],
    })
    server = createServer(handle)
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const get = (path: string, accept: string) =>
      fetch(`${url}${path}`, { headers: { accept, authorization: 'Bearer good' } })

    // Act
    const firstMatches = await get('/console/icon.png', 'image/png, text/html')
    const laterMatches = await get('/console/icon.png', 'text/html, image/png')
    const notBase64 = await get('/agents', 'image/png')

    // Assess
    expect(Buffer.from(await firstMatches.arrayBuffer())).toEqual(png)
    expect(await laterMatches.text()).toBe(png.toString('base64'))
    expect(await notBase64.text()).toBe('plain text')
  })

  it('survives a caller who goes away before a streaming handler has written anything', async () => {
    // Prepare
    installAwsLambdaShim()
    const { streamifyResponse } = (
      globalThis as unknown as {
        awslambda: { streamifyResponse: (handler: StreamingHandler) => StreamingHandler }
      }
    ).awslambda
    let callerGone: () => void = () => undefined
    const gone = new Promise<void>((resolve) => {
      callerGone = resolve
    })
    let written: Promise<unknown> = Promise.resolve()
    const leaving = new AbortController()
    // Answers only once the caller has left, as a handler still waiting on its backend would;
    // the caller leaves once the handler runs, however long the gateway took to call it.
    const streaming = streamifyResponse(async (_event, responseStream: Writable) => {
      leaving.abort()
      await gone
      await new Promise((resolve) => setTimeout(resolve, 50))
      written = pipeline(Readable.from(['too late']), responseStream).then(
        () => 'written',
        () => 'refused',
      )
      await written
    })
    const handle = createGateway({
      handlers: { authorizer, agents: streaming, discovery, admin: agents, console: agents },
      identity,
      publicUrl: 'http://gateway.test',
      authorizerCacheTtlSeconds: 0,
    })
    server = createServer(handle)
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    server.on('request', (request) => request.socket.on('close', () => setTimeout(callerGone, 20)))

    // Act
    const call = fetch(`${url}/agents/weather`, {
      method: 'POST',
      headers: { authorization: 'Bearer good' },
      body: '{}',
      signal: leaving.signal,
    }).catch(() => undefined)
    await call
    await gone
    await new Promise((resolve) => setTimeout(resolve, 200))
    const after = await fetch(`${url}/agents`, { headers: { authorization: 'Bearer good' } })

    // Assess
    expect(await written).toBe('refused')
    expect(after.status).toBe(200)
  })

  describe('HEAD on the health routes, for uptime monitors that probe with it (RFC 9110: HEAD wherever GET)', () => {
    // As handlers/discovery.ts answers /health/ready: JSON, never kept by a cache.
    const ready = vi.fn(async (_event: APIGatewayProxyEvent) => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ status: 'ready', dependencies: { database: 'ok' } }),
    }))
    const gatewayAt = async (isReady?: () => boolean) => {
      const handle = createGateway({
        handlers: { authorizer, agents, discovery: ready, admin: agents, console: agents },
        identity,
        publicUrl: 'http://gateway.test',
        authorizerCacheTtlSeconds: 0,
        isReady,
      })
      server = createServer(handle)
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    }
    /** What a caller sees of an answer: its status, the headers a GET and a HEAD share, its body. */
    const seen = async (response: Response) => ({
      status: response.status,
      contentType: response.headers.get('content-type'),
      contentLength: response.headers.get('content-length'),
      retryAfter: response.headers.get('retry-after'),
      cacheControl: response.headers.get('cache-control'),
      body: await response.text(),
    })

    it.each([
      ['/health', undefined],
      ['/health while starting (503)', () => false],
      ['/health/ready', undefined],
    ])(
      'answers HEAD %s with the status and headers of its GET, Content-Length included, and no body',
      async (name, isReady) => {
        // Prepare
        const path = name.split(' ')[0] as string
        const url = await gatewayAt(isReady)

        // Act
        const get = await seen(await fetch(`${url}${path}`))
        const head = await seen(await fetch(`${url}${path}`, { method: 'HEAD' }))

        // Assess: the GET's length, as an HTTP server gives a HEAD (the GET's body is sent whole)
        expect(get.contentLength).toBe(String(Buffer.byteLength(get.body)))
        expect(head).toEqual({ ...get, body: '' })
      },
    )

    it('hands /health/ready’s handler the HEAD as it came (the handler answers it as a GET)', async () => {
      // Prepare
      const url = await gatewayAt()

      // Act
      await fetch(`${url}/health/ready`, { method: 'HEAD' })

      // Assess
      expect(ready).toHaveBeenCalledOnce()
      expect(ready.mock.calls[0]?.[0]).toMatchObject({
        httpMethod: 'HEAD',
        resource: '/health/ready',
      })
    })

    it('adds no HEAD to a route behind the authorizer: HEAD /agents is a path no route serves', async () => {
      // Prepare
      const url = await gatewayAt()

      // Act
      const response = await fetch(`${url}/agents`, {
        method: 'HEAD',
        headers: { authorization: 'Bearer good' },
      })

      // Assess
      expect(response.status).toBe(404)
      expect(authorizer).not.toHaveBeenCalled()
    })
  })

  describe('what API Gateway does with a handler’s answer', () => {
    const challenge =
      'Bearer resource_metadata="http://gateway.test/.well-known/oauth-protected-resource"'
    const streamingAnswer = (prelude: Record<string, unknown>, body: string) => {
      const { streamifyResponse, HttpResponseStream } = (
        globalThis as unknown as {
          awslambda: {
            streamifyResponse: (handler: StreamingHandler) => StreamingHandler
            HttpResponseStream: { from: (stream: Writable, prelude: unknown) => Writable }
          }
        }
      ).awslambda
      return streamifyResponse(async (_event, responseStream: Writable) => {
        await pipeline(Readable.from([body]), HttpResponseStream.from(responseStream, prelude))
      })
    }
    type Handler = Parameters<typeof createGateway>[0]['handlers']['agents']
    const gatewayWith = async (handlers: { agents?: Handler; discovery?: Handler }) => {
      const handle = createGateway({
        handlers: {
          authorizer,
          agents: handlers.agents ?? agents,
          discovery: handlers.discovery ?? discovery,
          admin: agents,
          console: agents,
        },
        identity,
        publicUrl: 'http://gateway.test',
        authorizerCacheTtlSeconds: 0,
      })
      server = createServer(handle)
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    }

    it('renames a handler’s WWW-Authenticate to x-amzn-Remapped-WWW-Authenticate, buffered or streamed, as a REST API does', async () => {
      // Prepare
      installAwsLambdaShim()
      const refusing = {
        statusCode: 401,
        headers: { 'content-type': 'application/json', 'WWW-Authenticate': challenge },
      }
      const url = await gatewayWith({
        discovery: vi.fn(async () => ({ ...refusing, body: '{}' })),
        agents: streamingAnswer(refusing, '{}'),
      })

      // Act
      const buffered = await fetch(`${url}/agents`, { headers: { authorization: 'Bearer good' } })
      const streamed = await fetch(`${url}/agents/weather/.well-known/agent-card.json`)

      // Assess
      for (const response of [buffered, streamed]) {
        expect(response.status).toBe(401)
        expect(response.headers.get('www-authenticate')).toBeNull()
        expect(response.headers.get('x-amzn-remapped-www-authenticate')).toBe(challenge)
      }
    })

    it('sends a handler’s 204 without Content-Length, which RFC 9110 forbids on one (a strict proxy refuses the answer)', async () => {
      // Prepare: as the admin API answers a DELETE.
      const url = await gatewayWith({
        discovery: vi.fn(async () => ({ statusCode: 204, body: '' })),
      })

      // Act
      const response = await fetch(`${url}/agents`, { headers: { authorization: 'Bearer good' } })

      // Assess
      expect(response.status).toBe(204)
      expect(response.headers.get('content-length')).toBeNull()
      expect(response.headers.get('transfer-encoding')).toBeNull()
    })

    it('answers a handler that throws with the DEFAULT_5XX problem Terraform configures, buffered or streamed', async () => {
      // Prepare
      installAwsLambdaShim()
      const { streamifyResponse } = (
        globalThis as unknown as {
          awslambda: { streamifyResponse: (handler: StreamingHandler) => StreamingHandler }
        }
      ).awslambda
      const url = await gatewayWith({
        discovery: vi.fn(async () => {
          throw new Error('table not found')
        }),
        agents: streamifyResponse(async () => {
          throw new Error('table not found')
        }),
      })

      // Act
      const buffered = await fetch(`${url}/agents`, { headers: { authorization: 'Bearer good' } })
      const streamed = await fetch(`${url}/agents/weather/.well-known/agent-card.json`)

      // Assess
      for (const response of [buffered, streamed]) {
        const expected = renderGatewayResponse('DEFAULT_5XX', {
          requestId: response.headers.get('x-amzn-requestid') as string,
        })
        expect(response.status).toBe(expected.statusCode)
        expect(response.headers.get('content-type')).toBe('application/problem+json')
        expect(await response.text()).toBe(expected.body)
      }
    })

    it.each([
      ['no statusCode', { body: 'answered' }],
      ['a body that is no string', { statusCode: 200, body: { answered: true } }],
      ['no object at all', 'answered'],
    ])(
      'answers a buffered result with %s with the DEFAULT_5XX problem, as API Gateway answers a malformed Lambda proxy response',
      async (_, result) => {
        // Prepare
        const url = await gatewayWith({ discovery: vi.fn(async () => result) })

        // Act
        const response = await fetch(`${url}/agents`, { headers: { authorization: 'Bearer good' } })

        // Assess
        expect(response.status).toBe(500)
        expect(await response.text()).toBe(
          renderGatewayResponse('DEFAULT_5XX', {
            requestId: response.headers.get('x-amzn-requestid') as string,
          }).body,
        )
      },
    )

    it('gives up on a buffered handler after the integration timeout with the DEFAULT_5XX problem, and lets a streamed one run on', async () => {
      // Prepare: 29 s on AWS; shorter here, so the test does not wait it out.
      installAwsLambdaShim()
      const slow = <T>(answer: T) =>
        new Promise<T>((resolve) => setTimeout(() => resolve(answer), 1_500))
      const handle = createGateway({
        handlers: {
          authorizer,
          agents: streamingAnswer({ statusCode: 200 }, 'streamed'),
          discovery: vi.fn(() => slow({ statusCode: 200, body: 'too late' })),
          admin: agents,
          console: agents,
        },
        identity,
        publicUrl: 'http://gateway.test',
        authorizerCacheTtlSeconds: 0,
        bufferedIntegrationTimeoutMs: 100,
      })
      server = createServer(handle)
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

      // Act: the slow handler answers 200 "too late" at 1.5 s, so a 500 is the timeout's.
      const buffered = await fetch(`${url}/agents`, { headers: { authorization: 'Bearer good' } })
      const streamed = await fetch(`${url}/agents/weather/.well-known/agent-card.json`)

      // Assess
      expect(buffered.status).toBe(500)
      expect(await buffered.text()).toBe(
        renderGatewayResponse('DEFAULT_5XX', {
          requestId: buffered.headers.get('x-amzn-requestid') as string,
          // The response type that falls back to DEFAULT_5XX, which names it.
          'error.responseType': 'INTEGRATION_TIMEOUT',
        }).body,
      )
      expect(await streamed.text()).toBe('streamed')
    })
  })
})
