import type { PolicyDocument } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { buildPolicy, maxPolicyBytes } from '../../../lib/auth/policy.ts'
import { evaluatePolicy, wildcardMatches } from '../../../local/policy-evaluator.ts'

const arn = (method: string, path: string) =>
  `arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/${method}${path}`

const policyFor = (grants: Record<string, '*'>, isAdmin = false) =>
  buildPolicy({
    methodArn: arn('POST', '/agents/weather'),
    principalId: 'client-1',
    grants,
    isAdmin,
    context: {},
  }).result.policyDocument

describe('authorizer policy', () => {
  it('allows every path of a granted agent, whichever path was asked for', () => {
    // Prepare
    const policy = policyFor({ weather: '*', calculator: '*' })

    // Assess
    expect(evaluatePolicy(policy, arn('POST', '/agents/weather'))).toBe('allow')
    expect(evaluatePolicy(policy, arn('POST', '/agents/calculator/message:stream'))).toBe('allow')
    expect(
      evaluatePolicy(policy, arn('GET', '/agents/calculator/.well-known/agent-card.json')),
    ).toBe('allow')
  })

  it('denies an agent that was not granted, even one whose id starts the same', () => {
    // Prepare
    const policy = policyFor({ weather: '*' })

    // Assess
    expect(evaluatePolicy(policy, arn('POST', '/agents/calculator'))).toBe('implicit-deny')
    expect(evaluatePolicy(policy, arn('POST', '/agents/weather-eu'))).toBe('implicit-deny')
    expect(evaluatePolicy(policy, arn('POST', '/agents/weather-eu/message:send'))).toBe(
      'implicit-deny',
    )
  })

  it('lets any caller list its agents but only the admin scope reach /admin', () => {
    // Prepare
    const caller = policyFor({})
    const admin = policyFor({}, true)

    // Assess
    expect(evaluatePolicy(caller, arn('GET', '/agents'))).toBe('allow')
    expect(evaluatePolicy(caller, arn('POST', '/admin/register'))).toBe('implicit-deny')
    expect(evaluatePolicy(admin, arn('POST', '/admin/register'))).toBe('allow')
  })

  it('refuses a method ARN it cannot read rather than allowing too much', () => {
    // Assess
    expect(() =>
      buildPolicy({
        methodArn: 'garbage',
        principalId: 'p',
        grants: {},
        isAdmin: false,
        context: {},
      }),
    ).toThrow(/not an execute-api method ARN/)
  })
})

describe('local policy evaluation', () => {
  it('lets an explicit Deny win over an Allow, as IAM does', () => {
    // Prepare
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: arn('*', '/agents/*') },
        { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: arn('POST', '/agents/secret') },
      ],
    }

    // Assess
    expect(evaluatePolicy(policy, arn('POST', '/agents/secret'))).toBe('explicit-deny')
    expect(evaluatePolicy(policy, arn('POST', '/agents/weather'))).toBe('allow')
  })

  it('judges a path as long as a request line holds in steps proportional to it', () => {
    // Prepare: the traversal Deny's patterns hold several `*`; as regular expressions they
    // tried every split of a path repeating `/agents/` (0.7 s of the emulator's one thread for
    // a 16 KB path, a new path each time past the per-token decision cache). Counted in the
    // characters of the path the matcher reads, not in time: a loaded runner cannot fail it.
    const policy = policyFor({ weather: '*' })
    const path = (kib: number) => `/agents/weather/${'agents/'.repeat((kib * 1024) / 7)}`
    const patterns = policy.Statement.flatMap((statement) =>
      [(statement as { Resource?: string | string[] }).Resource ?? []].flat(),
    )
    const readsOf = (text: string) => {
      let reads = 0
      const counted = new Proxy(new String(text), {
        get: (target, key) => {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads++
          return Reflect.get(target, key)
        },
      }) as unknown as string
      for (const pattern of patterns) wildcardMatches(pattern, counted)
      return reads
    }

    // Act
    const decisions = [
      evaluatePolicy(policy, arn('POST', path(16))),
      evaluatePolicy(policy, arn('POST', `${path(16)}../x`)),
      evaluatePolicy(policy, arn('POST', path(64))),
    ]
    const [reads16, reads64] = [readsOf(arn('POST', path(16))), readsOf(arn('POST', path(64)))]

    // Assess
    expect(decisions).toEqual(['allow', 'explicit-deny', 'allow'])
    // Four times the path, at most about four times the reads (the backtracking grew with the
    // square: sixteen times), and each pattern reads the path a bounded number of times over.
    expect(reads16).toBeGreaterThan(0)
    expect(reads64 / reads16).toBeLessThan(4.5)
    expect(reads64).toBeLessThan(patterns.length * 2 * arn('POST', path(64)).length)
  })

  it('reads `?` as one character and `*` as any run, none included, as IAM does', () => {
    // Prepare
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:*',
          Effect: 'Allow',
          Resource: [arn('GET', '/a?c/*/x*y'), arn('GET', '/v1.0/*')],
        },
      ],
    }

    // Assess
    expect(evaluatePolicy(policy, arn('GET', '/abc//xy'))).toBe('allow')
    expect(evaluatePolicy(policy, arn('GET', '/abc/d/e/x/y/zy'))).toBe('allow')
    expect(evaluatePolicy(policy, arn('GET', '/ac/d/xy'))).toBe('implicit-deny')
    expect(evaluatePolicy(policy, arn('GET', '/abc/d/xyz'))).toBe('implicit-deny')
    expect(evaluatePolicy(policy, arn('GET', '/ABC/d/xy'))).toBe('implicit-deny')
    expect(evaluatePolicy(policy, arn('GET', '/v1.0/a'))).toBe('allow')
    expect(evaluatePolicy(policy, arn('GET', '/v1x0/a'))).toBe('implicit-deny')
  })
})

describe('authorizer policy against path tricks', () => {
  it('denies dot segments and encoded slashes below any agent, even a granted one', () => {
    // Prepare
    const policy = policyFor({ weather: '*' })

    // Assess
    for (const path of [
      '/agents/weather/../calculator',
      '/agents/weather/..',
      '/agents/weather/./message:send',
      '/agents/weather%2F..%2Fcalculator',
      '/agents/weather%2f..%2fcalculator/message:send',
      '/agents/weather/%2E%2E/calculator',
    ]) {
      expect(evaluatePolicy(policy, arn('POST', path)), path).toBe('explicit-deny')
    }
    expect(evaluatePolicy(policy, arn('POST', '/agents/weather/tasks/t.1:cancel'))).toBe('allow')
  })
})

describe('authorizer policy for a caller with many agents', () => {
  it('widens to every agent path when naming each would be too large, and says so', () => {
    // Prepare
    const grants = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`agent-${i}`, '*' as const]),
    )

    // Act
    const { result, widened } = buildPolicy({
      methodArn: arn('POST', '/agents/agent-1'),
      principalId: 'p',
      grants,
      isAdmin: false,
      context: {},
    })

    // Assess
    expect(widened).toBe(true)
    expect(JSON.stringify(result.policyDocument).length).toBeLessThan(maxPolicyBytes)
    expect(evaluatePolicy(result.policyDocument, arn('POST', '/agents/agent-199'))).toBe('allow')
    expect(evaluatePolicy(result.policyDocument, arn('POST', '/agents/a/../b'))).toBe(
      'explicit-deny',
    )
    expect(evaluatePolicy(result.policyDocument, arn('POST', '/admin/register'))).toBe(
      'implicit-deny',
    )
  })

  it('names each agent while that fits', () => {
    // Act
    const { widened } = buildPolicy({
      methodArn: arn('POST', '/agents/weather'),
      principalId: 'p',
      grants: { weather: '*', calculator: '*' },
      isAdmin: false,
      context: {},
    })

    // Assess
    expect(widened).toBe(false)
  })
})

describe('authorizer policy against paths that embed a granted one', () => {
  // IAM's `*` crosses `/`, so `*/agents/weather` would also cover `DELETE/admin/agents/weather`.
  it('allows no admin path to a caller granted an agent of the same name', () => {
    // Prepare
    const policy = policyFor({ weather: '*' })

    // Assess
    for (const [method, path] of [
      ['GET', '/admin/agents/weather'],
      ['PUT', '/admin/agents/weather'],
      ['DELETE', '/admin/agents/weather'],
      ['POST', '/admin/agents/weather/sync'],
    ] as const) {
      expect(evaluatePolicy(policy, arn(method, path)), `${method} ${path}`).toBe('implicit-deny')
    }
  })

  it('allows no path of another agent that merely ends in /route or names a granted agent', () => {
    // Prepare
    const policy = policyFor({ weather: '*' })

    // Assess
    for (const [method, path] of [
      ['GET', '/agents/calculator/tasks/route'],
      ['PUT', '/admin/permissions/route'],
      ['DELETE', '/admin/permissions/route'],
      ['GET', '/agents/calculator/agents/weather/tasks'],
    ] as const) {
      expect(evaluatePolicy(policy, arn(method, path)), `${method} ${path}`).toBe('implicit-deny')
    }
    expect(evaluatePolicy(policy, arn('POST', '/route/message:send'))).toBe('allow')
    expect(evaluatePolicy(policy, arn('GET', '/route/.well-known/agent-card.json'))).toBe('allow')
    expect(
      evaluatePolicy(policy, arn('DELETE', '/agents/weather/tasks/t/pushNotificationConfigs/c')),
    ).toBe('allow')
  })

  it('allows no admin path when widened to every agent', () => {
    // Prepare
    const grants = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`agent-${i}`, '*' as const]),
    )
    const { result } = buildPolicy({
      methodArn: arn('POST', '/agents/agent-1'),
      principalId: 'p',
      grants,
      isAdmin: false,
      context: {},
    })

    // Assess
    expect(evaluatePolicy(result.policyDocument, arn('DELETE', '/admin/agents/agent-1'))).toBe(
      'implicit-deny',
    )
    expect(evaluatePolicy(result.policyDocument, arn('POST', '/admin/agents/agent-1/sync'))).toBe(
      'implicit-deny',
    )
  })
})
