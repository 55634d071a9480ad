import { describe, expect, it, vi } from 'vitest'
import { memoizedAwsCredentials } from '../../../lib/backend/auth/aws-credentials.ts'
import {
  awsIamAuth,
  isAwsEndpointOf,
  signingDestinations,
} from '../../../lib/backend/auth/aws-iam.ts'
import { backendCredentials } from '../../../lib/backend/credentials.ts'
import { agentConfigSchema } from '../../../lib/registry/agent-config.ts'

const storeSecret = async () => {
  throw new Error('aws_iam stores no secret')
}
const configFor = (backendUrl: string, auth: Record<string, unknown>) => ({
  agentId: 'private',
  backendUrl,
  agentCardUrl: `${backendUrl.replace(/\/$/, '')}/.well-known/agent-card.json`,
  auth,
})

describe('aws_iam backend auth', () => {
  const lambda = { service: 'lambda', region: 'eu-west-1' } as const
  const agentCore = { service: 'bedrock-agentcore', region: 'us-west-2' } as const
  it.each([
    ['https://abc123.lambda-url.eu-west-1.on.aws/', lambda, true],
    [
      'https://abc123.lambda-url.cn-north-1.on.amazonwebservices.com.cn/',
      { ...lambda, region: 'cn-north-1' },
      true,
    ],
    ['https://bedrock-agentcore.us-west-2.amazonaws.com/runtimes/x/invocations/', agentCore, true],
    [
      'https://vpce-0a1b-c2d3.bedrock-agentcore.us-west-2.vpce.amazonaws.com/runtimes/x/invocations/',
      agentCore,
      true,
    ],
    ['https://abc123.lambda-url.us-east-1.on.aws/', lambda, false],
    ['http://abc123.lambda-url.eu-west-1.on.aws/', lambda, false],
    ['https://abc123.lambda-url.eu-west-1.on.aws.evil.example/', lambda, false],
    ['https://abc123.lambda-url.eu-west-1.on.aws./', lambda, false],
    ['https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/f/invocations', lambda, false],
    [
      'https://bedrock-agentcore.us-west-2.amazonaws.com/',
      { ...agentCore, service: 'lambda' },
      false,
    ],
    ['https://agents.example.com/runtimes/x/invocations/', agentCore, false],
  ] as const)('takes %s as an AWS endpoint of %o: %s', (url, target, expected) => {
    // Act
    const isAws = isAwsEndpointOf(url, target)

    // Assess
    expect(isAws).toBe(expected)
  })

  it("takes the SDK's endpoint override's host as AgentCore's", () => {
    // Act
    const isAws = isAwsEndpointOf(
      'http://127.0.0.1:4566/runtimes/x/invocations/',
      agentCore,
      'http://127.0.0.1:4566',
    )

    // Assess
    expect(isAws).toBe(true)
  })

  it("takes the override's origin for AgentCore alone, scheme and port included", () => {
    // Prepare
    const override = 'https://agentcore.internal.example:8443'

    // Act
    const taken = [
      isAwsEndpointOf(
        'https://agentcore.internal.example:8443/runtimes/x/invocations/',
        agentCore,
        override,
      ),
      isAwsEndpointOf(
        'http://agentcore.internal.example:8443/runtimes/x/invocations/',
        agentCore,
        override,
      ),
      isAwsEndpointOf('https://agentcore.internal.example:8443/a2a', lambda, override),
    ]

    // Assess
    expect(taken).toEqual([true, false, false])
  })

  it.each([
    ['https://abcdefgh12345.lambda-url.eu-west-1.on.aws/', 'lambda', 'eu-west-1'],
    [
      'https://bedrock-agentcore.us-west-2.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-west-2%3A123456789012%3Aruntime%2Fagent-1/invocations/',
      'bedrock-agentcore',
      'us-west-2',
    ],
  ])('infers the service and region of %s from its host', async (backendUrl, service, region) => {
    // Prepare
    const config = agentConfigSchema.parse(configFor(backendUrl, { type: 'aws_iam' }))

    // Act
    const stored = await awsIamAuth.toRecord(config.auth as { type: 'aws_iam' }, {
      backendUrl,
      storeSecret,
    })

    // Assess
    expect(stored).toEqual({ type: 'aws_iam', service, region })
  })

  it('keeps a service and region given over what the host says', async () => {
    // Prepare
    const backendUrl = 'https://abcdefgh12345.lambda-url.eu-west-1.on.aws/'

    // Act
    const stored = await awsIamAuth.toRecord(
      { type: 'aws_iam', service: 'lambda', region: 'eu-central-1' },
      { backendUrl, storeSecret },
    )

    // Assess
    expect(stored).toEqual({ type: 'aws_iam', service: 'lambda', region: 'eu-central-1' })
  })

  it('refuses a config whose host says neither, naming each missing field', () => {
    // Act
    const neither = agentConfigSchema.safeParse(
      configFor('https://agents.internal.example.com/a2a', { type: 'aws_iam' }),
    )
    const noRegion = agentConfigSchema.safeParse(
      configFor('https://agents.internal.example.com/a2a', { type: 'aws_iam', service: 'lambda' }),
    )

    // Assess
    expect(neither.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'auth.service',
      'auth.region',
    ])
    expect(neither.error?.issues[0]?.message).toMatch(/^give 'lambda' or 'bedrock-agentcore'/)
    expect(noRegion.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['auth.region'])
  })

  it('refuses an unknown service and a malformed region', () => {
    // Act
    const result = agentConfigSchema.safeParse(
      configFor('https://agents.internal.example.com/a2a', {
        type: 'aws_iam',
        service: 's3',
        region: 'Mars',
      }),
    )

    // Assess
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'auth.service',
      'auth.region',
    ])
  })
})

describe('the gateway’s AWS credentials', () => {
  const expiring = (at: number, key: string) => ({
    accessKeyId: key,
    secretAccessKey: 'secret',
    sessionToken: 'session',
    expiration: new Date(at),
  })

  it('loads once for a burst of signatures and keeps them until five minutes before expiry', async () => {
    // Prepare
    let clock = 0
    let loads = 0
    const provider = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      loads += 1
      return expiring(clock + 60 * 60_000, `key-${loads}`)
    })
    const credentials = memoizedAwsCredentials(provider, () => clock)

    // Act
    const burst = await Promise.all(Array.from({ length: 20 }, () => credentials()))
    clock = 54 * 60_000
    const stillKept = await credentials()
    clock = 56 * 60_000
    const renewed = await credentials()

    // Assess
    expect(new Set(burst.map((each) => each.accessKeyId))).toEqual(new Set(['key-1']))
    expect(stillKept.accessKeyId).toBe('key-1')
    expect(renewed.accessKeyId).toBe('key-2')
    expect(provider).toHaveBeenCalledTimes(2)
  })

  it('says the credentials could not be loaded, as a credentials failure', async () => {
    // Prepare
    const credentials = memoizedAwsCredentials(async () => {
      throw new Error('Could not load credentials from any providers')
    })

    // Act
    const error = await credentials().catch((caught: unknown) => caught)

    // Assess
    expect((error as Error).name).toBe('BackendCredentialsError')
    expect((error as Error).message).toMatch(/AWS credentials could not be loaded/)
  })

  describe('signing, on AWS', () => {
    const credentials = backendCredentials({
      secrets: { read: async () => 'unused' },
      fetch: async () => new Response(null),
      awsCredentials: async () => ({
        accessKeyId: 'ASIAGATEWAY',
        secretAccessKey: 's',
        sessionToken: 'TOKEN',
      }),
      signsFor: signingDestinations({ mode: 'aws' }),
    })
    const auth = { type: 'aws_iam', service: 'lambda', region: 'us-east-1' } as const
    const request = (url: string) => ({ method: 'GET', url, headers: {}, body: undefined })

    it('signs a request to the function URL it is signed for', async () => {
      // Act
      const signed = await credentials.authenticate(
        request('https://abc123.lambda-url.us-east-1.on.aws/.well-known/agent-card.json'),
        auth,
        { agentId: 'billing' },
      )

      // Assess
      expect(signed.headers['x-amz-security-token']).toBe('TOKEN')
    })

    it('refuses to sign for another host (a record from before registration checked it), naming why', async () => {
      // Act
      const signing = credentials.authenticate(request('https://cdn.example.com/card.json'), auth, {
        agentId: 'billing',
      })

      // Assess
      await expect(signing).rejects.toMatchObject({
        name: 'BackendCredentialsError',
        gatewaysOwn: true,
        message: expect.stringContaining('not signing a request to https://cdn.example.com'),
      })
    })
  })
})
