import { ThrottlingException } from '@aws-sdk/client-dynamodb'
import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import {
  AgentNotFoundError,
  BackendCredentialsError,
  BackendUnavailableError,
  KeySetUnavailableError,
  SearchUnavailableError,
  TokenExpiredError,
} from '../../../lib/errors.ts'
import { a2aErrors } from '../../../middlewares/a2a-errors.ts'
import { a2aRequest } from '../../../middlewares/a2a-request.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

const logger = { error: vi.fn(), warn: vi.fn() }

const failing = () =>
  middy()
    .use(a2aErrors({ logger }))
    .use(a2aRequest())
    .handler(async () => {
      throw new AgentNotFoundError('calculator')
    })

describe('a2aErrors middleware', () => {
  it('answers an expired token 401 in the caller’s binding with a Bearer challenge naming the metadata', async () => {
    // Prepare
    const handler = middy()
      .use(a2aErrors({ logger, gatewayUrl: () => 'https://gw.example.com/prod' }))
      .use(a2aRequest())
      .handler(async () => {
        throw new TokenExpiredError()
      })

    // Act
    const response = (await invoke(handler, sampleEvent('agents-jsonrpc-send-message.json'))) as {
      statusCode: number
      headers: Record<string, string>
      body: string
    }

    // Assess
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toMatch(
      /^Bearer resource_metadata="https:\/\/gw\.example\.com\/prod\/\.well-known\/oauth-protected-resource", error="invalid_token"/,
    )
    expect(JSON.parse(response.body).error.code).toBe(-32059)
  })

  it('keeps the JSON-RPC id of a request whose body arrived base64-encoded', async () => {
    // Prepare
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      e.body = Buffer.from(
        JSON.stringify({ ...JSON.parse(e.body as string), id: 'req-9' }),
      ).toString('base64')
      e.isBase64Encoded = true
    })

    // Act
    const response = (await invoke(failing(), event)) as { statusCode: number; body: string }

    // Assess
    expect(response.statusCode).toBe(404)
    expect(JSON.parse(response.body)).toMatchObject({ id: 'req-9', error: { code: -32050 } })
  })

  describe('for an error thrown before a2aRequest read the request', () => {
    const failingEarly = middy()
      .use(a2aErrors({ logger }))
      .handler(async () => {
        throw new KeySetUnavailableError('https://issuer.example/jwks.json', {
          cause: new Error('Expected 200 OK from the JSON Web Key Set HTTP response'),
        })
      })
    const sendMessage = JSON.parse(
      sampleEvent<{ body: string }>('agents-jsonrpc-send-message.json').body,
    ) as object
    const rpcCall = JSON.stringify({ ...sendMessage, id: 'call-3' })
    const restCall = JSON.stringify((sendMessage as { params: object }).params)

    it.each([
      [
        'API Gateway REST',
        sampleEvent('agents-jsonrpc-send-message.json', (e) => {
          e.body = rpcCall
        }),
      ],
      [
        'a function URL',
        {
          version: '2.0',
          routeKey: '$default',
          rawPath: '/agents/team-agent',
          requestContext: { http: { method: 'POST', path: '/agents/team-agent' } },
          body: Buffer.from(rpcCall).toString('base64'),
          isBase64Encoded: true,
        },
      ],
      [
        'an HTTP API route',
        {
          version: '2.0',
          routeKey: 'POST /agents/{agentId}',
          rawPath: '/agents/team-agent',
          pathParameters: { agentId: 'team-agent' },
          requestContext: { http: { method: 'POST', path: '/agents/team-agent' } },
          body: rpcCall,
        },
      ],
    ])('answers a JSON-RPC call on %s as JSON-RPC, under its id', async (_on, event) => {
      // Act
      const response = (await invoke(failingEarly, event)) as {
        statusCode: number
        headers: Record<string, string>
        body: string
      }

      // Assess
      expect(response.statusCode).toBe(503)
      expect(response.headers['retry-after']).toBe('5')
      expect(JSON.parse(response.body)).toMatchObject({ jsonrpc: '2.0', id: 'call-3' })
    })

    it.each([
      ['an ALB', { httpMethod: 'POST', path: '/agents/team-agent/message:send', headers: {} }],
      [
        'a function URL serving one agent',
        {
          rawPath: '/message:send',
          requestContext: { http: { method: 'POST', path: '/message:send' } },
        },
      ],
      [
        'a REST route of its own',
        sampleEvent('agents-jsonrpc-send-message.json', (e) => {
          e.resource = '/agents/{agentId}/message:send'
          e.path = '/agents/calculator/message:send'
        }),
      ],
    ])('answers an HTTP+JSON call on %s in the HTTP+JSON shape', async (_on, event) => {
      // Act
      const response = (await invoke(failingEarly, { ...event, body: restCall })) as {
        statusCode: number
        body: string
      }

      // Assess
      expect(response.statusCode).toBe(503)
      expect(JSON.parse(response.body)).toEqual({
        error: expect.objectContaining({ code: 503, status: 'UNAVAILABLE' }),
      })
    })
  })

  it.each([
    [
      'an agent that did not answer',
      new BackendUnavailableError('calculator', 'ECONNREFUSED'),
      'warn',
      'agent call failed',
    ],
    [
      'a caller refused (no such agent)',
      new AgentNotFoundError('calculator'),
      'info',
      'A2A request refused',
    ],
    [
      "the gateway's own AWS credentials failing",
      new BackendCredentialsError('the role expired', { gatewaysOwn: true }),
      'error',
      'a service the gateway needs failed an A2A call',
    ],
    [
      'the embedder failing /route',
      new SearchUnavailableError('ThrottlingException'),
      'error',
      'a service the gateway needs failed an A2A call',
    ],
  ])('logs %s at the level it deserves', async (_what, error, level, message) => {
    // Prepare
    const levels = { error: vi.fn(), warn: vi.fn(), info: vi.fn() }
    const handler = middy()
      .use(a2aErrors({ logger: levels }))
      .use(a2aRequest())
      .handler(async () => {
        throw error
      })

    // Act
    await invoke(handler, sampleEvent('agents-jsonrpc-send-message.json'))

    // Assess
    expect(levels[level as 'warn' | 'info' | 'error']).toHaveBeenCalledWith(
      message,
      expect.any(Object),
    )
    for (const other of ['warn', 'info', 'error'] as const) {
      if (other !== level) expect(levels[other]).not.toHaveBeenCalled()
    }
  })

  it("logs what the caller is not told of an agent call that failed: its cause (AWS's text)", async () => {
    // Prepare
    const levels = { error: vi.fn(), warn: vi.fn(), info: vi.fn() }
    const awsText =
      'User: arn:aws:sts::123456789012:assumed-role/switchboard-agents is not authorized'
    const handler = middy()
      .use(a2aErrors({ logger: levels }))
      .use(a2aRequest())
      .handler(async () => {
        throw new BackendUnavailableError(
          'calculator',
          "its AWS endpoint refused the gateway's request",
          {
            cause: new Error(awsText),
          },
        )
      })

    // Act
    const response = (await invoke(handler, sampleEvent('agents-jsonrpc-send-message.json'))) as {
      body: string
    }

    // Assess
    expect(levels.warn).toHaveBeenCalledWith(
      'agent call failed',
      expect.objectContaining({ cause: awsText }),
    )
    expect(response.body).not.toContain('123456789012')
  })

  it('refuses to be built without a logger, naming the option', () => {
    // Act
    const build = () => a2aErrors({} as never)

    // Assess
    expect(build).toThrow('a2aErrors: options.logger must have error() and warn()')
  })

  it('refuses a gatewayUrl that is not a function, naming the option', () => {
    // Act
    const build = () => a2aErrors({ logger, gatewayUrl: 'https://gw.example.com' as never })

    // Assess
    expect(build).toThrow('a2aErrors: options.gatewayUrl must be a function')
  })

  it('answers an unexpected error with a 500 that reveals nothing, and logs the error', async () => {
    // Prepare
    const secret = new Error('connection string postgres://user:pw@db')
    const handler = middy()
      .use(a2aErrors({ logger }))
      .use(a2aRequest())
      .handler(async () => {
        throw secret
      })

    // Act
    const response = (await invoke(handler, sampleEvent('agents-jsonrpc-send-message.json'))) as {
      statusCode: number
      body: string
    }

    // Assess
    expect(response.statusCode).toBe(500)
    expect(response.body).not.toContain('postgres')
    expect(logger.error).toHaveBeenCalledWith('unhandled error on an A2A route', { error: secret })
  })

  it.each([
    ['JSON-RPC', 'agents-jsonrpc-send-message.json', { code: -32060 }],
    ['HTTP+JSON', 'agents-rest-stream-message.json', { code: 503, status: 'UNAVAILABLE' }],
  ] as const)(
    'answers a DynamoDB that throttled, in %s, 503 with Retry-After, not a failure of the gateway',
    async (_binding, eventFile, expected) => {
      // Prepare
      const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: {} })
      logger.error.mockClear()
      const handler = middy()
        .use(a2aErrors({ logger }))
        .use(a2aRequest())
        .handler(async () => {
          throw throttled
        })

      // Act
      const response = (await invoke(handler, sampleEvent(eventFile))) as {
        statusCode: number
        headers: Record<string, string>
        body: string
      }

      // Assess
      expect(response.statusCode).toBe(503)
      expect(response.headers['retry-after']).toBe('1')
      expect(JSON.parse(response.body).error).toMatchObject({
        ...expected,
        message: expect.stringContaining('retry in a moment'),
      })
      expect(response.body).not.toContain('Rate exceeded')
      expect(logger.error).toHaveBeenCalledWith(expect.any(String), { error: throttled })
    },
  )

  it('answers a backend credentials failure as backend unavailable, without the reason', async () => {
    // Prepare
    const handler = middy()
      .use(a2aErrors({ logger }))
      .use(a2aRequest())
      .handler(async () => {
        throw new BackendCredentialsError('secret arn:aws:secretsmanager:x could not be read')
      })

    // Act
    const response = (await invoke(handler, sampleEvent('agents-jsonrpc-send-message.json'))) as {
      statusCode: number
      body: string
    }

    // Assess
    expect(response.statusCode).toBe(502)
    expect(JSON.parse(response.body).error).toMatchObject({
      code: -32052,
      message: 'The gateway could not get credentials for this agent.',
    })
  })

  it('leaves an answer another middleware already gave', async () => {
    // Prepare
    const given = { statusCode: 429, body: 'slow down' }
    const handler = middy()
      .use(a2aErrors({ logger }))
      .use({
        onError: (request) => {
          request.response = given
        },
      })
      .handler(async () => {
        throw new AgentNotFoundError('calculator')
      })

    // Act
    const response = await invoke(handler, sampleEvent('agents-jsonrpc-send-message.json'))

    // Assess
    expect(response).toEqual(given)
  })
})
