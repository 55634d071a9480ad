import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { describe, expect, it, vi } from 'vitest'
import { backendCredentials, credentialRenewalWindowMs } from '../../../lib/backend/credentials.ts'
import { sendWithCredentials } from '../../../lib/backend/forward.ts'
import { BackendUnavailableError } from '../../../lib/errors.ts'
import type { BackendAuth } from '../../../lib/registry/agent-record.ts'
import { SecretsManagerStore } from '../../../lib/secrets/secrets-manager-store.ts'

const secretArn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:switchboard/agents/billing'
const auth: BackendAuth = {
  type: 'oauth2_client_credentials',
  tokenUrl: 'https://tokens.example.com/oauth2/token',
  clientId: 'gateway',
  secretArn,
  secretOwned: true,
}

/**
 * The stand-ins a renewal reaches, each counting its requests: Secrets Manager (behind the
 * gateway's own store, so its 60-second cache is the one on AWS), the agent's token endpoint,
 * and the agent, which accepts the tokens in `accepted`.
 */
const standIns = () => {
  let secret = 'secret-1'
  let issued = 0
  let refusesAll = false
  const accepted = new Set<string>()
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
  })
  const secretReads = vi
    .spyOn(client, 'send')
    .mockImplementation(async () => ({ ARN: secretArn, SecretString: secret }))
  const tokenFetches = vi.fn(async () => {
    const token = `token-${++issued}`
    accepted.add(token)
    return Response.json({ access_token: token, expires_in: 3600 })
  })
  const agentCalls = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    const authorization = new Headers(init?.headers).get('authorization') ?? ''
    if (!refusesAll && accepted.has(authorization.replace('Bearer ', ''))) {
      return Response.json({ id: 't-1', status: { state: 'TASK_STATE_COMPLETED' } })
    }
    return new Response('{"error":"invalid_token"}', {
      status: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
    })
  })
  return {
    store: new SecretsManagerStore(client),
    tokenEndpoint: tokenFetches as unknown as typeof fetch,
    agent: agentCalls as unknown as typeof fetch,
    secretReads: () => secretReads.mock.calls.length,
    tokenFetches: () => tokenFetches.mock.calls.length,
    agentCalls: () => agentCalls.mock.calls.length,
    /** The agent refuses every token issued so far. */
    revokeAll: () => accepted.clear(),
    /** The agent refuses every token, those issued from now on too. */
    refuseAll: () => {
      refusesAll = true
    },
    rotate: (next: string) => {
      secret = next
      accepted.clear()
    },
  }
}

/** The gateway's side: one handler's credentials, on a clock the test moves. */
const gateway = (stand: ReturnType<typeof standIns>) => {
  const clock = { now: 1_800_000_000_000 }
  const credentials = backendCredentials({
    secrets: stand.store,
    fetch: stand.tokenEndpoint,
    now: () => clock.now,
  })
  /** A GetTask (sent again after a renewal) or a SendMessage (never sent twice). */
  const call = (safeToRepeat = true) =>
    sendWithCredentials(
      { agentId: 'billing', auth },
      {
        url: 'https://billing.example.com/a2a/tasks/t-1',
        method: 'GET',
        headers: { 'a2a-version': '1.0' },
        body: undefined,
      },
      {
        credentials,
        caller: 'client-a',
        safeToRepeat,
        streaming: false,
        timeoutMs: 5_000,
        fetch: stand.agent,
      },
    )
  return { clock, call }
}

describe('renewing an agent’s credentials after it refused them', () => {
  it('renews once for a burst of calls the agent refuses, and not again within the window', async () => {
    // Prepare: a token in use; then the agent refuses every token, old and new.
    const stand = standIns()
    const { call } = gateway(stand)
    expect((await call()).statusCode).toBe(200)
    const [secretReads, tokenFetches] = [stand.secretReads(), stand.tokenFetches()]
    stand.refuseAll()

    // Act: twenty calls at once, then ten one after another.
    const burst = await Promise.allSettled(Array.from({ length: 20 }, () => call()))
    const sequential: unknown[] = []
    for (let index = 0; index < 10; index++) {
      sequential.push(await call().catch((error: unknown) => error))
    }

    // Assess: one forced Secrets Manager read and one token fetch for all thirty (before, one
    // each per call); the burst's calls each sent again with the renewed token, the later ones
    // once; each answered as the agent refusing the gateway.
    expect(stand.secretReads() - secretReads).toBe(1)
    expect(stand.tokenFetches() - tokenFetches).toBe(1)
    expect(stand.agentCalls()).toBe(1 + 20 * 2 + 10)
    const refusals = [
      ...burst.map((settled) => (settled.status === 'rejected' ? settled.reason : settled.value)),
      ...sequential,
    ]
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(BackendUnavailableError)
      expect((refusal as Error).message).toContain("refused the gateway's credentials")
    }
  })

  it('renews once more when the window has passed', async () => {
    // Prepare
    const stand = standIns()
    const { clock, call } = gateway(stand)
    await call()
    stand.refuseAll()
    await call().catch(() => undefined)
    const [secretReads, tokenFetches] = [stand.secretReads(), stand.tokenFetches()]

    // Act
    clock.now += credentialRenewalWindowMs - 1
    await call().catch(() => undefined)
    const withinTheWindow = [stand.secretReads(), stand.tokenFetches()]
    clock.now += 1
    const after = await call().catch((error: unknown) => error)

    // Assess
    expect(withinTheWindow).toEqual([secretReads, tokenFetches])
    expect([stand.secretReads(), stand.tokenFetches()]).toEqual([secretReads + 1, tokenFetches + 1])
    expect(after).toBeInstanceOf(BackendUnavailableError)
  })

  it('opens no window with a renewal that found the secret rotated: a revocation right after renews too', async () => {
    // Prepare
    const stand = standIns()
    const { call } = gateway(stand)
    await call()

    // Act: the secret rotated (every token refused); then tokens revoked at once; then again.
    stand.rotate('secret-2')
    const afterRotation = await call()
    stand.revokeAll()
    const afterRevocation = await call()
    stand.revokeAll()
    const afterSecondRevocation = await call().catch((error: unknown) => error)

    // Assess: the rotation's renewal and the first revocation's both renewed (token-2, token-3);
    // the second revocation within the window of a renewal that found the secret as it was did not.
    expect([afterRotation.statusCode, afterRevocation.statusCode]).toEqual([200, 200])
    expect(afterSecondRevocation).toBeInstanceOf(BackendUnavailableError)
    expect(stand.tokenFetches()).toBe(3)
  })

  it('renews for the next call when the agent refused one that is never sent twice', async () => {
    // Prepare
    const stand = standIns()
    const { call } = gateway(stand)
    await call()
    stand.revokeAll()
    const agentCalls = stand.agentCalls()

    // Act
    const refused = await call(false).catch((error: unknown) => error)
    const next = await call(false)

    // Assess: the SendMessage was sent once and answered as refused; the next carried a new token.
    expect(refused).toBeInstanceOf(BackendUnavailableError)
    expect(next.statusCode).toBe(200)
    expect(stand.agentCalls() - agentCalls).toBe(2)
    expect(stand.tokenFetches()).toBe(2)
  })

  it('does not keep the window after the clock was set back', async () => {
    // Prepare: a renewal that found the secret as it was, then the clock set back an hour.
    const stand = standIns()
    const { clock, call } = gateway(stand)
    await call()
    stand.refuseAll()
    await call().catch(() => undefined)
    const secretReads = stand.secretReads()

    // Act
    clock.now -= 3_600_000
    await call().catch(() => undefined)

    // Assess: a renewal "in the future" bounds nothing (else none for an hour): the secret was
    // read afresh once more.
    expect(stand.secretReads()).toBe(secretReads + 1)
  })
})

describe('a call refused with credentials a renewal has since replaced', () => {
  it('waits for the renewal under way, rather than sending again with the credentials it replaces', async () => {
    // Prepare: the agent accepts the tokens in `accepted`; the first call's answer, and the
    // token endpoint, wait until the test lets them go.
    let secret = 'secret-1'
    let issued = 0
    const accepted = new Set<string>()
    const client = new SecretsManagerClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
    })
    vi.spyOn(client, 'send').mockImplementation(async () => ({
      ARN: secretArn,
      SecretString: secret,
    }))
    let tokenGate: Promise<void> = Promise.resolve()
    const tokenEndpoint = (async () => {
      await tokenGate
      const token = `token-${++issued}`
      accepted.add(token)
      return Response.json({ access_token: token, expires_in: 3600 })
    }) as unknown as typeof fetch
    const held: { token: string; answer: (response: Response) => void }[] = []
    let holdNext = false
    const agent = (async (_url: string | URL | Request, init?: RequestInit) => {
      const token = (new Headers(init?.headers).get('authorization') ?? '').replace('Bearer ', '')
      const answer = () =>
        accepted.has(token)
          ? Response.json({ id: 't-1', status: { state: 'TASK_STATE_COMPLETED' } })
          : new Response('{}', { status: 401, headers: { 'content-type': 'application/json' } })
      if (!holdNext) return answer()
      holdNext = false
      // Answered as the agent then judges the token: when the test lets it go.
      return new Promise<Response>((resolve) =>
        held.push({ token, answer: () => resolve(answer()) }),
      )
    }) as unknown as typeof fetch
    const credentials = backendCredentials({
      secrets: new SecretsManagerStore(client),
      fetch: tokenEndpoint,
    })
    const renewing: Promise<boolean>[] = []
    const renew = credentials.renew
    credentials.renew = (...args) => {
      const renewed = renew(...args)
      renewing.push(renewed)
      return renewed
    }
    const call = () =>
      sendWithCredentials(
        { agentId: 'billing', auth },
        {
          url: 'https://billing.example.com/a2a/tasks/t-1',
          method: 'GET',
          headers: {},
          body: undefined,
        },
        {
          credentials,
          caller: 'client-a',
          safeToRepeat: true,
          streaming: false,
          timeoutMs: 5_000,
          fetch: agent,
        },
      )
    expect((await call()).statusCode).toBe(200)
    // A GetTask sent with token-1, whose answer comes late.
    holdNext = true
    const late = call().then(
      (response) => response.statusCode,
      (error: Error) => error.message,
    )
    await vi.waitFor(() => expect(held).toHaveLength(1))
    // The secret rotated: a call refused renews (token-2, no window, as the secret changed).
    secret = 'secret-2'
    accepted.clear()
    expect((await call()).statusCode).toBe(200)
    // token-2 revoked: a call refused renews again, its token fetch held.
    accepted.clear()
    let letTokenGo = () => {}
    tokenGate = new Promise((resolve) => {
      letTokenGo = resolve
    })
    const during = call().then((response) => response.statusCode)
    await vi.waitFor(() => expect(renewing).toHaveLength(2))

    // Act: the late call is refused (token-1) while that renewal is under way.
    held[0]?.answer(new Response())
    await vi.waitFor(() => expect(renewing).toHaveLength(3))
    const lateRenewal = await Promise.race([
      renewing[2]?.then(() => 'ended'),
      new Promise((resolve) => setImmediate(() => resolve('under way'))),
    ])
    letTokenGo()

    // Assess: it waited for token-3 and was answered, as the call whose refusal renewed was;
    // not sent again at once with token-2, which the agent had refused, and failed.
    expect(lateRenewal).toBe('under way')
    expect(await during).toBe(200)
    expect(await late).toBe(200)
    expect(issued).toBe(3)
  })
})
