import { describe, expect, it } from 'vitest'

interface Call {
  method: string
  url: string
  headers: Record<string, string>
  body?: string
}
type Answer = { status: number; body?: unknown } | Error

type RegisterSampleAgents = (
  input: Record<string, unknown>,
  deps: { fetch: typeof fetch; sleep: () => Promise<void>; log: () => void },
) => Promise<void>

// A plain .mjs run by Terraform's local-exec (no types): imported by URL.
const scriptUrl = new URL('../../terraform/modules/sample-agents/register.mjs', import.meta.url)
const load = async () =>
  ((await import(scriptUrl.href)) as { registerSampleAgents: RegisterSampleAgents })
    .registerSampleAgents

/** A fetch that records each call and answers from a script, in order. */
const scriptedFetch = (answers: Answer[]) => {
  const calls: Call[] = []
  const fake = async (url: string, init: RequestInit) => {
    calls.push({
      method: String(init.method),
      url,
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    })
    const answer = answers.shift()
    if (!answer) throw new Error(`unexpected call ${init.method} ${url}`)
    if (answer instanceof Error) throw answer
    return new Response(JSON.stringify(answer.body ?? {}), { status: answer.status })
  }
  return { calls, fetch: fake as unknown as typeof fetch }
}

const input = {
  gatewayUrl: 'https://api.example.com/v1',
  tokenUrl: 'https://auth.example.com/oauth2/token',
  clientId: 'admin-id',
  clientSecret: 'admin-secret',
  scope: 'switchboard/admin',
  agents: {
    weather: 'https://w.lambda-url.example.com',
    calculator: 'https://c.lambda-url.example.com',
  },
  permissions: { 'weather:invoke': { agents: ['weather'], operations: null } },
}

describe('sample agents registration (terraform/modules/sample-agents/register.mjs)', () => {
  it('registers each agent, replaces one already there, and puts the permissions, waiting out a gateway still settling', async () => {
    // Prepare
    const registerSampleAgents = await load()
    const { calls, fetch } = scriptedFetch([
      new Error('getaddrinfo ENOTFOUND auth.example.com'),
      { status: 200, body: { access_token: 'jwt' } },
      { status: 201 },
      { status: 409 },
      { status: 200 },
      { status: 503 },
      { status: 200 },
    ])
    let pauses = 0

    // Act
    await registerSampleAgents(input, {
      fetch,
      sleep: async () => {
        pauses++
      },
      log: () => undefined,
    })

    // Assess
    expect(calls.map(({ method, url }) => `${method} ${url}`)).toEqual([
      'POST https://auth.example.com/oauth2/token',
      'POST https://auth.example.com/oauth2/token',
      'POST https://api.example.com/v1/admin/register',
      'POST https://api.example.com/v1/admin/register',
      'PUT https://api.example.com/v1/admin/agents/calculator',
      'PUT https://api.example.com/v1/admin/permissions/weather%3Ainvoke',
      'PUT https://api.example.com/v1/admin/permissions/weather%3Ainvoke',
    ])
    expect(pauses).toBe(2)
    expect(calls[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('admin-id:admin-secret').toString('base64')}`,
    )
    expect(calls[0]?.body).toBe('grant_type=client_credentials&scope=switchboard%2Fadmin')
    expect(calls[2]?.headers.authorization).toBe('Bearer jwt')
    expect(JSON.parse(calls[2]?.body ?? '')).toEqual({
      agentId: 'weather',
      backendUrl: 'https://w.lambda-url.example.com',
      agentCardUrl: 'https://w.lambda-url.example.com/.well-known/agent-card.json',
    })
    // An operations list left null (Terraform's optional) is left out: all operations.
    expect(JSON.parse(calls[6]?.body ?? '')).toEqual({ agents: ['weather'] })
  })

  it('stops at the first refusal, naming the step', async () => {
    // Prepare
    const registerSampleAgents = await load()
    const { fetch } = scriptedFetch([
      { status: 200, body: { access_token: 'jwt' } },
      { status: 422, body: { detail: 'agentCardUrl: not an agent card' } },
    ])

    // Act
    const registering = registerSampleAgents(input, {
      fetch,
      sleep: async () => undefined,
      log: () => undefined,
    })

    // Assess
    await expect(registering).rejects.toThrow(/register weather: HTTP 422 .*not an agent card/)
  })
})
