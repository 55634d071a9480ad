import { describe, expect, it } from 'vitest'
import { parseAgentCard } from '../../../lib/a2a/agent-card.ts'
import { callerBindings, rewriteCard, rewriteCardAnswer } from '../../../lib/a2a/card-rewrite.ts'
import { cardSigningPayload } from '../../../lib/a2a/card-signer.ts'
import { resolveEndpoints } from '../../../lib/registry/register-agent.ts'

const v1Card = {
  name: 'Weather Agent',
  description: 'Typical weather for world cities.',
  version: '1.0.0',
  supportedInterfaces: [
    {
      url: 'https://weather.internal/a2a/jsonrpc',
      protocolBinding: 'JSONRPC',
      protocolVersion: '1.0',
    },
    {
      url: 'https://weather.internal/a2a/rest',
      protocolBinding: 'HTTP+JSON',
      protocolVersion: '1.0',
    },
  ],
  skills: [
    { id: 'get_weather', name: 'Get weather', description: 'Climate normals', tags: ['weather'] },
  ],
  securitySchemes: { backendKey: { apiKeySecurityScheme: { name: 'X-Key', location: 'header' } } },
  securityRequirements: [{ schemes: { backendKey: { list: [] } } }],
  signatures: [{ protected: 'abc', signature: 'def' }],
  capabilities: { streaming: true },
}

const gateway = {
  agentUrl: 'https://gw.example.com/agents/weather',
  tokenUrl: 'https://auth.example.com/oauth2/token',
}

describe('agent card', () => {
  it('reads the bindings an A2A 1.0 card declares', () => {
    // Act
    const parsed = parseAgentCard(v1Card)

    // Assess
    expect(parsed).toMatchObject({
      protocolVersion: '1.0',
      interfaces: {
        JSONRPC: 'https://weather.internal/a2a/jsonrpc',
        'HTTP+JSON': 'https://weather.internal/a2a/rest',
      },
    })
  })

  it('says which fields make a card invalid', () => {
    // Act
    const parsed = parseAgentCard({ name: 'x', supportedInterfaces: [] })

    // Assess
    expect(parsed).toHaveProperty('problems')
    const { problems } = parsed as { problems: string[] }
    expect(problems.join('\n')).toMatch(/description/)
    expect(problems.join('\n')).toMatch(/supportedInterfaces/)
  })

  it('refuses a card holding half a surrogate pair, which is no Unicode text and RFC 8785 cannot sign', () => {
    // Prepare: what JSON.parse makes of "\\ud83c" in a card, in a value and in a key.
    const inValue = {
      ...v1Card,
      skills: [{ ...v1Card.skills[0], description: 'sunny \ud83c' }],
    }
    const inKey = { ...v1Card, capabilities: { '\udf89': true } }

    // Act
    const parsed = [parseAgentCard(inValue), parseAgentCard(inKey)]

    // Assess
    expect(parsed).toEqual([
      {
        problems: [expect.stringMatching(/^skills\[0\]\.description holds half a surrogate pair/)],
      },
      { problems: [expect.stringMatching(/^capabilities holds half a surrogate pair/)] },
    ])
    expect(parseAgentCard({ ...v1Card, name: 'Weather \ud83c\udf89' })).toHaveProperty('card')
  })

  it('refuses a card of more than ten signatures as an invalid card, saying how many it holds', () => {
    // Prepare: each signature names a key set fetched at registration
    const ten = { ...v1Card, signatures: Array(10).fill(v1Card.signatures[0]) }
    const many = { ...v1Card, signatures: Array(11).fill(v1Card.signatures[0]) }

    // Act
    const parsed = [parseAgentCard(ten), parseAgentCard(many)]

    // Assess
    expect(parsed[0]).toMatchObject({ protocolVersion: '1.0' })
    expect(parsed[1]).toEqual({
      problems: [
        'signatures holds 11 signatures; a card carries at most 10 (each names a key set the gateway fetches)',
      ],
    })
  })

  it('lists the first ten problems of a card of thousands, and how many more, each key cut short', () => {
    // Prepare: 80,000 empty skills (240 KB of card), three problems each, were 34 MB of 422
    // answer, past the 6 MB a Lambda may answer; and a skill keyed by 100,000 characters
    const many = { ...v1Card, skills: Array(80_000).fill({}) }
    const longKey = { ...v1Card, skills: [{ ...v1Card.skills[0], ['k'.repeat(100_000)]: 1 }] }
    const longKeyed = {
      ...v1Card,
      capabilities: { extensions: [{ uri: 'urn:x', params: { ['k'.repeat(100_000)]: 1e20 } }] },
    }

    // Act
    const parsed = [parseAgentCard(many), parseAgentCard(longKey), parseAgentCard(longKeyed)]

    // Assess
    const { problems } = parsed[0] as { problems: string[] }
    expect(problems).toHaveLength(11)
    expect(problems[10]).toBe('and 239990 more problems')
    expect(parsed[1]).toHaveProperty('card')
    const [longProblem] = (parsed[2] as { problems: string[] }).problems
    expect(longProblem?.length).toBeLessThan(300)
    expect(longProblem).toMatch(
      /^capabilities\.extensions\[0\]\.params\.k{57}\.\.\. holds a number/,
    )
  })

  it.each([
    ['an object', { '': 1 }],
    ['an object in a list', { list: [{ '': 'x' }] }],
  ])(
    'refuses a card holding an empty key in %s, which its record could not keep, naming where',
    (_name, params) => {
      // Prepare: DynamoDB refuses an empty attribute name at any depth (dynalite takes it)
      const card = { ...v1Card, capabilities: { extensions: [{ uri: 'urn:x', params }] } }

      // Act
      const parsed = parseAgentCard(card)

      // Assess
      expect(parsed).toEqual({
        problems: [
          expect.stringMatching(
            /^capabilities\.extensions\[0\]\.params(\.list\[0\])? holds an empty key, which the registry cannot keep/,
          ),
        ],
      })
    },
  )

  it.each([
    ['past 2^53', 1e20],
    ['below -(2^53)', -1e19],
    ['nearer 0 than DynamoDB keeps', 1e-200],
  ])(
    'refuses a card holding a number %s, which its record could not keep, naming where',
    (_name, n) => {
      // Prepare: a number in an extension's params, as an agent may well put one.
      const card = {
        ...v1Card,
        capabilities: { extensions: [{ uri: 'urn:x', params: { n } }] },
      }

      // Act
      const parsed = parseAgentCard(card)

      // Assess
      expect(parsed).toEqual({
        problems: [
          expect.stringMatching(
            /^capabilities\.extensions\[0\]\.params\.n holds a number the registry cannot keep/,
          ),
        ],
      })
      const kept = {
        ...card,
        capabilities: {
          extensions: [{ uri: 'urn:x', params: { n: 0.5, m: 9007199254740991, z: 0 } }],
        },
      }
      expect(parseAgentCard(kept)).toHaveProperty('card')
    },
  )

  it.each([
    ['HTTP+JSON', (card: unknown) => card],
    ['JSONRPC', (card: unknown) => ({ jsonrpc: '2.0', id: 1, result: card })],
  ] as const)(
    'signs no extended card holding half a surrogate pair, over %s, as it signs no registered one',
    async (binding, answerOf) => {
      // Prepare: an agent's GetExtendedAgentCard answer, fetched and signed on every call.
      const card = { ...v1Card, description: 'Premium forecasts \ud83c' }
      const signed: unknown[] = []
      const sign = async (signing: unknown) => {
        signed.push(signing)
        return signing as typeof v1Card
      }
      const gateway = { agentUrl: 'https://gw.example.com/agents/weather', tokenUrl: 'https://t' }

      // Act
      const answer = await rewriteCardAnswer(JSON.stringify(answerOf(card)), binding, gateway, sign)

      // Assess: refused as no card (a 502 naming the agent), and nothing signed.
      expect(answer).toBeUndefined()
      expect(signed).toEqual([])
      const whole = { ...v1Card, description: 'Premium forecasts \ud83c\udf89' }
      expect(
        await rewriteCardAnswer(JSON.stringify(answerOf(whole)), binding, gateway, sign),
      ).toContain('Premium forecasts')
    },
  )

  it.each([
    ['HTTP+JSON', (card: string) => card],
    ['JSONRPC', (card: string) => `{"jsonrpc":"2.0","id":1,"result":${card}}`],
  ] as const)(
    'takes an extended card holding a number past what a double holds (1e400), over %s, as no card, not a 500',
    async (binding, answerOf) => {
      // Prepare: JSON reads 1e400 as Infinity, which RFC 8785 (the signing form) cannot write:
      // the signer threw, a gateway error for the agent's answer
      const card = JSON.stringify({
        ...v1Card,
        capabilities: { extensions: [{ uri: 'urn:x', params: { n: 'N' } }] },
      }).replace('"N"', '-1e400')
      const sign = async (signing: unknown) => {
        cardSigningPayload(signing as object)
        return signing as typeof v1Card
      }
      const gateway = { agentUrl: 'https://gw.example.com/agents/weather', tokenUrl: 'https://t' }

      // Act
      const answer = rewriteCardAnswer(answerOf(card), binding, gateway, sign)

      // Assess: no card (a 502 naming the agent), as one holding half a surrogate pair
      await expect(answer).resolves.toBeUndefined()
    },
  )

  it('refuses a card nested deeper than its record could keep, however deep it goes', () => {
    // Prepare: the card and its capabilities are two levels, so 29 more make the 31 allowed
    // and 30 more one too many; 100,000 would overflow a recursive reader.
    const nested = (levels: number) => {
      let value: unknown = 'leaf'
      for (let i = 0; i < levels; i++) value = { inner: value }
      return value
    }

    // Act
    const fits = parseAgentCard({ ...v1Card, capabilities: { extensions: [], deep: nested(29) } })
    const tooDeep = parseAgentCard({ ...v1Card, capabilities: { deep: nested(30) } })
    const abyss = parseAgentCard({ ...v1Card, capabilities: { deep: nested(100_000) } })

    // Assess
    expect(fits).toHaveProperty('card')
    expect(tooDeep).toEqual({ problems: ['the card nests deeper than 31 levels'] })
    expect(abyss).toEqual({ problems: ['the card nests deeper than 31 levels'] })
  })

  it('reads a 0.3 card by its url and transports', () => {
    // Act
    const parsed = parseAgentCard({
      name: 'Old',
      description: 'A 0.3 agent',
      version: '0.1.0',
      protocolVersion: '0.3.0',
      url: 'https://old.internal/a2a',
      preferredTransport: 'JSONRPC',
      additionalInterfaces: [{ url: 'https://old.internal/rest', transport: 'HTTP+JSON' }],
      skills: [],
    })

    // Assess
    expect(parsed).toMatchObject({
      protocolVersion: '0.3',
      interfaces: { JSONRPC: 'https://old.internal/a2a', 'HTTP+JSON': 'https://old.internal/rest' },
    })
  })

  it('points every interface at the gateway and offers both bindings, 1.0 first', () => {
    // Act
    const card = rewriteCard(v1Card, gateway) as Record<string, unknown>

    // Assess
    expect(card.supportedInterfaces).toEqual([
      { url: gateway.agentUrl, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: gateway.agentUrl, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ])
    expect(JSON.stringify(card)).not.toContain('weather.internal')
  })

  it("replaces the backend's security with the gateway's OAuth2 and drops its signatures", () => {
    // Act
    const card = rewriteCard(v1Card, gateway) as Record<string, unknown>

    // Assess
    expect(card.securitySchemes).toEqual({
      switchboard: {
        oauth2SecurityScheme: expect.objectContaining({
          flows: { clientCredentials: { tokenUrl: gateway.tokenUrl, scopes: {} } },
        }),
      },
    })
    expect(card.securityRequirements).toEqual([{ schemes: { switchboard: { list: [] } } }])
    expect(card).not.toHaveProperty('signatures')
    expect(JSON.stringify(card)).not.toMatch(/weather\.internal|backendKey|apiKeySecurityScheme/)
    expect(card.skills).toEqual(v1Card.skills)
  })
})

describe('a 1.0 card that still carries 0.3 fields, rewritten', () => {
  const dual = {
    ...v1Card,
    url: 'https://weather.internal/a2a/jsonrpc',
    preferredTransport: 'HTTP+JSON',
    additionalInterfaces: [{ url: 'http://10.0.0.8:9000/rest', transport: 'HTTP+JSON' }],
  }

  it('points url, preferredTransport and every additional interface at the gateway', () => {
    // Act
    const card = rewriteCard(dual, gateway) as Record<string, unknown>

    // Assess
    expect(card).toMatchObject({
      url: gateway.agentUrl,
      preferredTransport: 'HTTP+JSON',
      additionalInterfaces: [
        { url: gateway.agentUrl, transport: 'JSONRPC' },
        { url: gateway.agentUrl, transport: 'HTTP+JSON' },
      ],
    })
    expect(JSON.stringify(card)).not.toMatch(/weather\.internal|10\.0\.0\.8/)
  })

  it('adds no 0.3 field to a 1.0 card that had none', () => {
    // Act
    const card = rewriteCard(v1Card, gateway) as Record<string, unknown>

    // Assess
    expect(Object.keys(card)).not.toEqual(
      expect.arrayContaining(['url', 'preferredTransport', 'additionalInterfaces']),
    )
    expect(card).not.toHaveProperty('url')
  })
})

describe('the links on a rewritten card', () => {
  it.each([
    ['on an interface’s host', 'https://weather.internal/icon.png', false],
    ['on a private address', 'http://10.1.2.3/icon.png', false],
    ['on a link-local address', 'http://169.254.169.254/latest', false],
    ['on an IPv6 loopback', 'http://[::1]:8080/icon.png', false],
    ['on localhost', 'http://localhost:4001/icon.png', false],
    ['unreadable', 'not a url', false],
    ['a public page elsewhere', 'https://cdn.example.com/weather.png', true],
  ])('keep iconUrl, documentationUrl and provider only when public: %s', (_what, url, kept) => {
    // Prepare
    const card = {
      ...v1Card,
      iconUrl: url,
      documentationUrl: url,
      provider: { organization: 'Weather team', url },
    }

    // Act
    const rewritten = rewriteCard(card, gateway) as Record<string, unknown>

    // Assess
    const present = ['iconUrl', 'documentationUrl', 'provider'].filter((key) => key in rewritten)
    expect(present).toEqual(kept ? ['iconUrl', 'documentationUrl', 'provider'] : [])
  })
})

describe('a 0.3 card, rewritten', () => {
  const v03Card = {
    name: 'Legacy',
    description: 'An agent still on A2A 0.3',
    version: '2.1.0',
    protocolVersion: '0.3.0',
    url: 'https://legacy.internal/a2a',
    preferredTransport: 'HTTP+JSON',
    additionalInterfaces: [
      { url: 'https://legacy.internal/a2a', transport: 'HTTP+JSON' },
      { url: 'https://legacy.internal/jsonrpc', transport: 'JSONRPC' },
    ],
    securitySchemes: { backendBearer: { type: 'http', scheme: 'bearer' } },
    security: [{ backendBearer: [] }],
    signatures: [{ protected: 'x', signature: 'y' }],
    skills: [],
  }

  it('points url and every additional interface at the gateway, with only the gateway’s security', () => {
    // Act
    const card = rewriteCard(v03Card, gateway) as Record<string, unknown>

    // Assess
    expect(card.url).toBe(gateway.agentUrl)
    expect(card.additionalInterfaces).toEqual([
      { url: gateway.agentUrl, transport: 'JSONRPC' },
      { url: gateway.agentUrl, transport: 'HTTP+JSON' },
    ])
    expect(card.securitySchemes).toEqual({
      switchboard: expect.objectContaining({
        type: 'oauth2',
        flows: { clientCredentials: { tokenUrl: gateway.tokenUrl, scopes: {} } },
      }),
    })
    expect(card.security).toEqual([{ switchboard: [] }])
    expect(JSON.stringify(card)).not.toMatch(/legacy\.internal|backendBearer|signatures/)
    expect(card.protocolVersion).toBe('0.3.0')
  })

  it('offers only the bindings the gateway can serve for the agent', () => {
    // Act
    const card = rewriteCard(v03Card, { ...gateway, bindings: ['HTTP+JSON'] }) as Record<
      string,
      unknown
    >

    // Assess
    expect(card.preferredTransport).toBe('HTTP+JSON')
    expect(card.additionalInterfaces).toEqual([{ url: gateway.agentUrl, transport: 'HTTP+JSON' }])
  })
})

describe('the bindings callers may use', () => {
  it('are both for a 1.0 agent (translated) and only the served ones for a 0.3 agent', () => {
    // Assess
    expect(
      callerBindings({ protocolVersion: '1.0', endpoints: { JSONRPC: 'https://a/rpc' } }),
    ).toEqual(['JSONRPC', 'HTTP+JSON'])
    expect(
      callerBindings({ protocolVersion: '0.3', endpoints: { 'HTTP+JSON': 'https://a/rest' } }),
    ).toEqual(['HTTP+JSON'])
  })
})

describe('backend endpoints', () => {
  it("uses the card's interfaces when they are on the backend's origin", () => {
    // Act
    const endpoints = resolveEndpoints(
      {
        JSONRPC: 'http://127.0.0.1:4001/a2a/jsonrpc',
        'HTTP+JSON': 'http://127.0.0.1:4001/a2a/rest',
      },
      'http://127.0.0.1:4001',
    )

    // Assess
    expect(endpoints).toEqual({
      JSONRPC: 'http://127.0.0.1:4001/a2a/jsonrpc',
      'HTTP+JSON': 'http://127.0.0.1:4001/a2a/rest',
    })
  })

  it('never follows a card to another host: backendUrl serves its first binding', () => {
    // Act
    const endpoints = resolveEndpoints(
      { 'HTTP+JSON': 'https://public.example.com/rest' },
      'https://weather.internal/a2a',
    )

    // Assess
    expect(endpoints).toEqual({ 'HTTP+JSON': 'https://weather.internal/a2a' })
  })
})
