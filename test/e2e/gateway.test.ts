import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningAgent } from '../../agents/serve.ts'
import { startThrowawayStack } from '../../local/stack.ts'
import {
  eventKinds,
  gatewayClient,
  type Transport,
  textMessage,
  textsOf,
} from '../support/a2a-client.ts'
import { closedPort, startCardServer } from '../support/card-server.ts'

describe('the local gateway, end to end', () => {
  let stack: Awaited<ReturnType<typeof startThrowawayStack>>
  let demoToken: string
  const agent = (agentId: string) =>
    stack.agents.find((candidate) => candidate.agentId === agentId) as RunningAgent

  beforeAll(async () => {
    stack = await startThrowawayStack()
    demoToken = await tokenFor('demo-client')
  })
  afterAll(() => stack.stop())

  /** A token from the gateway's own /oauth2/token, as a client gets one. */
  const tokenFor = async (clientId: string) => {
    const secrets: Record<string, string> = {
      'demo-client': 'demo-secret-local-only',
      'weather-client': 'weather-secret-local-only',
      'admin-client': 'admin-secret-local-only',
    }
    const response = await fetch(`${stack.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secrets[clientId] as string,
      }),
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { access_token: string }).access_token
  }

  it('tells a client that sends its token request as JSON to form-encode it', async () => {
    // Act
    const response = await fetch(`${stack.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: 'demo-client',
        client_secret: 'demo-secret-local-only',
      }),
    })

    // Assess
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('application/x-www-form-urlencoded'),
    })
  })

  describe.each<Transport>(['JSONRPC', 'HTTP+JSON'])(
    'with the official client over %s',
    (transport) => {
      it('gets the calculator to answer 2+2*3 with 8', async () => {
        // Prepare
        const client = await gatewayClient(`${stack.url}/agents/calculator/`, demoToken, transport)

        // Act
        const result = await client.sendMessage(textMessage('2+2*3'))

        // Assess
        expect(textsOf(result).join('')).toContain('2+2*3 = 8')
      })

      it('gets the weather agent to describe Tokyo as typical values, not a forecast', async () => {
        // Prepare
        const client = await gatewayClient(`${stack.url}/agents/weather/`, demoToken, transport)

        // Act
        const text = textsOf(
          await client.sendMessage(textMessage("What's the weather in Tokyo?")),
        ).join('')

        // Assess
        expect(text).toContain('Tokyo')
        expect(text).toMatch(/not a live forecast/)
      })

      it('streams the calculator’s events one by one, in order', async () => {
        // Prepare
        const client = await gatewayClient(`${stack.url}/agents/calculator/`, demoToken, transport)

        // Act
        const kinds = await eventKinds(client.sendMessageStream(textMessage('sqrt(2)*pi')))

        // Assess
        expect(kinds[0]).toBe('task')
        expect(kinds.filter((kind) => kind === 'artifactUpdate').length).toBeGreaterThanOrEqual(2)
        expect(kinds.at(-1)).toBe('statusUpdate')
      })
    },
  )

  it.each([
    [
      'JSON-RPC',
      '',
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'SendMessage',
        params: { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: '6*7' }] } },
      },
    ],
    [
      'HTTP+JSON',
      '/message:send',
      { message: { messageId: 'm-2', role: 'ROLE_USER', parts: [{ text: '6*7' }] } },
    ],
  ])(
    "answers a 1.0 call over %s sent without A2A-Version, telling the agent the version the gateway read (an agent alone takes a headerless call for 0.3's)",
    async (_binding, path, body) => {
      // Act: curl without the header, as a generic client sends it
      const response = await fetch(`${stack.url}/agents/calculator${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${demoToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })

      // Assess
      expect(response.status).toBe(200)
      expect(JSON.stringify(await response.json())).toContain('6*7 = ')
    },
  )

  it('answers a 1.0 call whose A2A-Version is empty, which the gateway and the agent both read as none', async () => {
    // Act: `curl -H 'A2A-Version;'`, or a client that fills the header from an unset setting
    const response = await fetch(`${stack.url}/agents/calculator/message:send`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${demoToken}`,
        'content-type': 'application/json',
        'a2a-version': '',
      },
      body: JSON.stringify({
        message: { messageId: 'm-3', role: 'ROLE_USER', parts: [{ text: '6*7' }] },
      }),
    })

    // Assess
    expect(response.status).toBe(200)
    expect(JSON.stringify(await response.json())).toContain('6*7 = ')
  })

  it.each([
    ['the header', '', { 'a2a-version': '2.0' }],
    ['the request parameter', '?A2A-Version=2.0', {}],
  ])(
    'leaves a version it does not know, declared in %s, to the agent to refuse',
    async (_where, query, headers) => {
      // Act
      const response = await fetch(`${stack.url}/agents/calculator${query}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${demoToken}`,
          'content-type': 'application/json',
          ...headers,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'SendMessage',
          params: { message: { messageId: 'm-4', role: 'ROLE_USER', parts: [{ text: '6*7' }] } },
        }),
      })

      // Assess: the agent's -32009 naming 2.0, not a 1.0 answer
      const answer = await response.json()
      expect(answer.error).toMatchObject({ code: -32009 })
      expect(answer.error.message).toContain("'2.0'")
    },
  )

  it('serves the card rewritten: both bindings at the gateway, the gateway’s OAuth2', async () => {
    // Act
    const response = await fetch(`${stack.url}/agents/weather/.well-known/agent-card.json`, {
      headers: { authorization: `Bearer ${demoToken}` },
    })
    const card = await response.json()

    // Assess
    expect(response.headers.get('vary')).toBe('A2A-Version')
    expect(card.supportedInterfaces.map((entry: { url: string }) => entry.url)).toEqual([
      `${stack.url}/agents/weather`,
      `${stack.url}/agents/weather`,
    ])
    expect(
      card.securitySchemes.switchboard.oauth2SecurityScheme.flows.clientCredentials.tokenUrl,
    ).toBe(`${stack.url}/oauth2/token`)
    expect(JSON.stringify(card)).not.toContain(agent('weather').url)
  })

  it('lists only the agents the caller holds', async () => {
    // Prepare
    const weatherOnly = await tokenFor('weather-client')

    // Act
    const response = await fetch(`${stack.url}/agents`, {
      headers: { authorization: `Bearer ${weatherOnly}` },
    })

    // Assess
    const { agents } = (await response.json()) as { agents: { agentId: string }[] }
    expect(agents.map((listed) => listed.agentId)).toEqual(['weather'])
  })

  describe('refusals', () => {
    const sendTo = (agentId: string, authorization?: string) =>
      fetch(`${stack.url}/agents/${agentId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'a2a-version': '1.0',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'SendMessage',
          params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '1+1' }] } },
        }),
      })

    it('answers 401 to a call without a token or with a bad one, and the agent hears nothing', async () => {
      // Prepare
      const before = agent('calculator').requestCount()

      // Act
      const missing = await sendTo('calculator')
      const forged = await sendTo('calculator', `Bearer ${demoToken.slice(0, -4)}AAAA`)
      const garbage = await sendTo('calculator', 'Bearer not-a-token')

      // Assess
      expect([missing.status, forged.status, garbage.status]).toEqual([401, 401, 401])
      expect(await missing.json()).toMatchObject({ status: 401, title: 'Unauthorized' })
      expect(agent('calculator').requestCount()).toBe(before)
    })

    it('answers 403 to a valid token without a grant for the agent, and the agent hears nothing', async () => {
      // Prepare
      const weatherOnly = await tokenFor('weather-client')
      const before = agent('calculator').requestCount()

      // Act
      const response = await sendTo('calculator', `Bearer ${weatherOnly}`)

      // Assess
      expect(response.status).toBe(403)
      expect(await response.json()).toMatchObject({ status: 403, title: 'Forbidden' })
      expect(agent('calculator').requestCount()).toBe(before)
    })

    it('answers 403 to a non-admin token on /admin', async () => {
      // Act
      const response = await fetch(`${stack.url}/admin/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${demoToken}`, 'content-type': 'application/json' },
        body: '{}',
      })

      // Assess
      expect(response.status).toBe(403)
    })
  })

  describe('registration through the admin API', () => {
    let adminToken: string
    let backend: Awaited<ReturnType<typeof startCardServer>>
    beforeAll(async () => {
      adminToken = await tokenFor('admin-client')
      backend = await startCardServer()
    })
    afterAll(() => backend.stop())

    const register = (body: unknown) =>
      fetch(`${stack.url}/admin/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })

    it('says the card URL does not answer, with problem+json, and stores nothing', async () => {
      // Prepare
      const port = await closedPort()
      const config = {
        agentId: 'ghost',
        backendUrl: `http://127.0.0.1:${port}`,
        agentCardUrl: `http://127.0.0.1:${port}/.well-known/agent-card.json`,
      }

      // Act
      const response = await register(config)

      // Assess
      expect(response.status).toBe(422)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect((await response.json()).detail).toMatch(/could not be fetched: ECONNREFUSED/)
      backend.serve({ name: 'now valid?' })
      expect(
        (await register({ ...config, backendUrl: backend.url, agentCardUrl: backend.cardUrl }))
          .status,
      ).toBe(422)
    })

    it('says which fields of an invalid card are wrong, and stores nothing', async () => {
      // Prepare
      backend.serve({ name: 'Half a card', supportedInterfaces: [] })

      // Act
      const response = await register({
        agentId: 'half',
        backendUrl: backend.url,
        agentCardUrl: backend.cardUrl,
      })

      // Assess
      expect(response.status).toBe(422)
      const problem = await response.json()
      expect(problem.type).toMatch(/invalid-agent-card$/)
      expect(problem.problems.join(' ')).toMatch(/description/)
      const weather = agent('weather')
      const retry = await register({
        agentId: 'half',
        backendUrl: weather.url,
        agentCardUrl: weather.cardUrl,
      })
      expect(retry.status).toBe(201)
    })

    it.each([
      ['*', /agentId/],
      ['a/b', /agentId/],
      ['x'.repeat(200), /agentId/],
    ])('refuses the agent id %s before fetching anything', async (agentId, field) => {
      // Act
      const response = await register({
        agentId,
        backendUrl: backend.url,
        agentCardUrl: backend.cardUrl,
      })

      // Assess
      expect(response.status).toBe(400)
      expect((await response.json()).detail).toMatch(field)
    })

    it('refuses a backend at the cloud metadata address, saying why', async () => {
      // Act
      const response = await register({
        agentId: 'metadata',
        backendUrl: 'http://169.254.169.254/',
        agentCardUrl: 'http://169.254.169.254/latest/meta-data/',
      })

      // Assess
      expect(response.status).toBe(422)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect((await response.json()).detail).toMatch(
        /169\.254\.169\.254 is a link-local \(cloud metadata\) address/,
      )
    })

    it('names each invalid field of the agent config', async () => {
      // Act
      const response = await register({ agentId: 'Not OK', backendUrl: 'file:///etc/passwd' })

      // Assess
      expect(response.status).toBe(400)
      const { errors } = await response.json()
      expect(errors.map((error: { field: string }) => error.field)).toEqual([
        'agentId',
        'backendUrl',
        'agentCardUrl',
      ])
    })
  })
})
