import { describe, expect, it, vi } from 'vitest'
import { type BackendCredentials, backendCredentials } from '../../../lib/backend/credentials.ts'
import type { BackendAuth } from '../../../lib/registry/agent-record.ts'

const auth: BackendAuth = {
  type: 'oauth2_client_credentials',
  tokenUrl: 'https://tokens.example.com/oauth2/token',
  clientId: 'gateway',
  secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:switchboard/agents/billing',
  secretOwned: true,
}

/** A token endpoint that answers after `delayMs`, or fails while `down`. */
const tokenEndpoint = (options: { delayMs: number }) => {
  let issued = 0
  const state = { down: false }
  const fetch = vi.fn(async () => {
    await new Promise((resolve) => setTimeout(resolve, options.delayMs))
    if (state.down) return new Response('{"error":"temporarily_unavailable"}', { status: 503 })
    return Response.json({ access_token: `token-${++issued}`, expires_in: 3600 })
  })
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls: fetch, state }
}

/** The authorization header the credentials give a GET to the agent. */
const authorizationFor = async (credentials: BackendCredentials, agentId: string) => {
  const request = {
    method: 'GET',
    url: 'https://billing.example.com/a2a',
    headers: {},
    body: undefined,
  }
  const authenticated = await credentials.authenticate(request, auth, { agentId })
  return authenticated.headers.authorization
}

describe('backend credentials', () => {
  it('fetches one token for a burst of calls that find none cached', async () => {
    // Prepare
    const endpoint = tokenEndpoint({ delayMs: 50 })
    const credentials = backendCredentials({
      secrets: { read: async () => 'secret-1' },
      fetch: endpoint.fetch,
    })

    // Act
    const headers = await Promise.all(
      Array.from({ length: 20 }, () => authorizationFor(credentials, 'billing')),
    )

    // Assess
    expect(endpoint.calls).toHaveBeenCalledOnce()
    expect(new Set(headers)).toEqual(new Set(['Bearer token-1']))
  })

  it('tells every waiting call of a failed fetch, and tries again for the next call', async () => {
    // Prepare
    const endpoint = tokenEndpoint({ delayMs: 50 })
    endpoint.state.down = true
    const credentials = backendCredentials({
      secrets: { read: async () => 'secret-1' },
      fetch: endpoint.fetch,
    })

    // Act
    const burst = await Promise.allSettled(
      Array.from({ length: 5 }, () => authorizationFor(credentials, 'billing')),
    )
    endpoint.state.down = false
    const next = await authorizationFor(credentials, 'billing')

    // Assess
    expect(burst.map((outcome) => outcome.status)).toEqual(Array(5).fill('rejected'))
    expect(next).toBe('Bearer token-1')
    expect(endpoint.calls).toHaveBeenCalledTimes(2)
  })

  it('keeps a token that lives a minute or less for half its life, not fetching one per call', async () => {
    // Prepare: an identity provider issuing 60-second tokens.
    let now = 1_800_000_000_000
    let issued = 0
    const fetch = vi.fn(async () =>
      Response.json({ access_token: `token-${++issued}`, expires_in: 60 }),
    )
    const credentials = backendCredentials({
      secrets: { read: async () => 'secret-1' },
      fetch: fetch as unknown as typeof globalThis.fetch,
      now: () => now,
    })

    // Act
    const first = await authorizationFor(credentials, 'billing')
    now += 1_000
    const aSecondLater = await authorizationFor(credentials, 'billing')
    now += 29_000
    const halfALifeLater = await authorizationFor(credentials, 'billing')

    // Assess: before, a token was renewed a minute before it expired, so one of 60 s never stayed.
    expect([first, aSecondLater, halfALifeLater]).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ])
  })

  it('fetches a new token once the clock has been set back, rather than keep one past its life', async () => {
    // Prepare: a token of an hour fetched; the machine's clock is then set back two hours.
    let now = 1_800_000_000_000
    const endpoint = tokenEndpoint({ delayMs: 0 })
    const credentials = backendCredentials({
      secrets: { read: async () => 'secret-1' },
      fetch: endpoint.fetch,
      now: () => now,
    })
    await authorizationFor(credentials, 'billing')

    // Act: an hour and a minute on, the first token has expired.
    now -= 7_200_000
    now += 3_660_000
    const afterItsLife = await authorizationFor(credentials, 'billing')

    // Assess: before, the token was sent for two hours more, each call refused by the agent.
    expect(afterItsLife).toBe('Bearer token-2')
  })

  it('refuses a token endpoint that answers without end, reading no more than a token answer', async () => {
    // Prepare
    let pulled = 0
    const endless = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull: (controller) => {
            pulled++
            controller.enqueue(new Uint8Array(16 * 1024).fill(32))
          },
        }),
      )
    const credentials = backendCredentials({
      secrets: { read: async () => 'secret-1' },
      fetch: endless as unknown as typeof globalThis.fetch,
    })

    // Act
    const error = await authorizationFor(credentials, 'billing').catch((caught: unknown) => caught)

    // Assess
    expect((error as Error).name).toBe('BackendCredentialsError')
    expect((error as Error).message).toMatch(/held no access_token \(or over 65536 bytes\)/)
    expect(pulled).toBeLessThan(10)
  })

  it('gives up on a token endpoint that does not answer within the configured timeout', async () => {
    // Prepare
    const silent = vi.fn(
      (_url: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
        }),
    )
    const credentials = backendCredentials({
      secrets: { read: async () => 'secret-1' },
      fetch: silent as unknown as typeof globalThis.fetch,
      tokenTimeoutMs: 20,
    })

    // Act
    const answer = authorizationFor(credentials, 'billing')

    // Assess
    await expect(answer).rejects.toThrow('the token endpoint did not answer')
    // Far under the 10 s it waited before the timeout was configurable.
  }, 3_000)
})

describe('api_key credentials', () => {
  it('refuse to send a key in a header the gateway sets itself, for a record stored before such names were refused, reading no secret', async () => {
    // Prepare: a record that names the caller's header.
    const read = vi.fn(async () => 'spoofed-principal')
    const credentials = backendCredentials({ secrets: { read }, fetch: globalThis.fetch })
    const legacy: BackendAuth = {
      type: 'api_key',
      headerName: 'X-Switchboard-Caller',
      secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:switchboard/agents/echo',
      secretOwned: true,
    }
    const request = {
      method: 'POST',
      url: 'https://echo.example.com/a2a',
      headers: { 'x-switchboard-caller': 'client-a' },
      body: undefined,
    }

    // Act
    const sent = credentials.authenticate(request, legacy, { agentId: 'echo' })

    // Assess
    await expect(sent).rejects.toMatchObject({
      name: 'BackendCredentialsError',
      message: expect.stringContaining(
        "'X-Switchboard-Caller' is a header the gateway sets itself",
      ),
    })
    expect(read).not.toHaveBeenCalled()
  })
})
