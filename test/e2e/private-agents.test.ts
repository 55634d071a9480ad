import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCalculatorAgent } from '../../agents/calculator/agent.ts'
import { signAwsRequest } from '../../lib/backend/auth/aws-iam.ts'
import {
  localAwsCredentials,
  type PrivateAgent,
  startSigV4FunctionUrl,
} from '../../local/sigv4-function-url.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import {
  eventKinds,
  gatewayClient,
  type Transport,
  textMessage,
  textsOf,
} from '../support/a2a-client.ts'
import { adminCaller } from '../support/admin-api.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/** A SendMessage as the calculator's function URL takes it over HTTP+JSON. */
const sendMessage = JSON.stringify({
  message: { messageId: 'm-direct', role: 'ROLE_USER', parts: [{ text: '6*7' }] },
})

describe('a private agent: the calculator behind its SigV4 "function URL" (aws_iam)', () => {
  let stack: RunningStack
  let calculator: PrivateAgent
  let token: string
  let awsDir: string

  beforeAll(async () => {
    // A developer's shell with AWS keys of its own: the stack replaces them, session token too.
    process.env.AWS_SESSION_TOKEN = 'the-developers-own-session-token'
    // An expiry gone by would make the SDK load the credentials again at every signing.
    process.env.AWS_CREDENTIAL_EXPIRATION = '2026-01-01T00:00:00Z'
    process.env.AWS_CREDENTIAL_SCOPE = 'us-west-2'
    process.env.AWS_ACCOUNT_ID = '111122223333'
    // A named profile goes before the keys in the SDK's chain: its keys would sign, not the stack's.
    awsDir = await mkdtemp(join(tmpdir(), 'developers-aws-'))
    await writeFile(
      join(awsDir, 'credentials'),
      '[developer]\naws_access_key_id = AKIADEVELOPERSOWNKEY\naws_secret_access_key = developers-own-secret\n',
    )
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(awsDir, 'credentials')
    process.env.AWS_CONFIG_FILE = join(awsDir, 'config')
    process.env.AWS_PROFILE = 'developer'
    stack = await startThrowawayStack()
    calculator = stack.agents.find((agent) => agent.agentId === 'calculator') as PrivateAgent
    token = await stack.token('demo-client')
  })

  it("signs with the local credentials alone, never the developer's own session token, its expiry or profile", () => {
    // Assess: the gateway's credentials are the default provider chain's, read from here.
    expect(process.env.AWS_ACCESS_KEY_ID).toBe(localAwsCredentials.accessKeyId)
    expect(process.env.AWS_SESSION_TOKEN).toBeUndefined()
    expect(process.env.AWS_CREDENTIAL_EXPIRATION).toBeUndefined()
    expect(process.env.AWS_CREDENTIAL_SCOPE).toBeUndefined()
    expect(process.env.AWS_ACCOUNT_ID).toBeUndefined()
    expect(process.env.AWS_PROFILE).toBeUndefined()
  })
  afterAll(async () => {
    await stack.stop()
    await rm(awsDir, { recursive: true, force: true })
  })

  /** message:send straight to the function URL, signed as `sign` says (or not at all). */
  const direct = async (
    sign?: (request: {
      method: string
      url: string
      headers: Record<string, string>
      body: Uint8Array
    }) => Promise<{ headers: Record<string, string>; body: Uint8Array | undefined }>,
  ) => {
    const request = {
      method: 'POST',
      url: `${calculator.url}/a2a/rest/message:send`,
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: new TextEncoder().encode(sendMessage),
    }
    const sent = sign ? await sign(request) : request
    return fetch(request.url, {
      method: 'POST',
      headers: sent.headers,
      body: sent.body as Uint8Array<ArrayBuffer>,
    })
  }
  const lambda = { service: 'lambda', region: 'us-east-1' }

  describe.each<Transport>(['JSONRPC', 'HTTP+JSON'])('through the gateway over %s', (transport) => {
    it('answers a unary message, every request signed by the gateway', async () => {
      // Prepare
      const client = await gatewayClient(`${stack.url}/agents/calculator/`, token, transport)

      // Act
      const result = await client.sendMessage(textMessage('2+2*3'))

      // Assess
      expect(textsOf(result).join('')).toContain('2+2*3 = 8')
    })

    it('streams its events one by one', async () => {
      // Prepare
      const client = await gatewayClient(`${stack.url}/agents/calculator/`, token, transport)

      // Act
      const kinds = await eventKinds(client.sendMessageStream(textMessage('sqrt(2)*pi')))

      // Assess
      expect(kinds[0]).toBe('task')
      expect(kinds.filter((kind) => kind === 'artifactUpdate').length).toBeGreaterThanOrEqual(2)
      expect(kinds.at(-1)).toBe('statusUpdate')
    })
  })

  it('was registered as aws_iam, its card fetched signed, and syncs its card signed', async () => {
    // Prepare
    const admin = await stack.token('admin-client')

    // Act
    const synced = await fetch(`${stack.url}/admin/agents/calculator/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    })

    // Assess
    expect(synced.status).toBe(200)
    const record = await synced.json()
    expect(record.auth).toEqual({ type: 'aws_iam', service: 'lambda', region: 'us-east-1' })
    expect(record.endpoints).toEqual({
      JSONRPC: `${calculator.url}/a2a/jsonrpc`,
      'HTTP+JSON': `${calculator.url}/a2a/rest`,
    })
  })

  it('answers a skill call through the gateway', async () => {
    // Act
    const response = await fetch(`${stack.url}/agents/calculator`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'calculate',
        params: { expression: '2^10' },
      }),
    })

    // Assess
    expect(JSON.stringify((await response.json()).result)).toContain('1024')
  })

  it('lets a request signed with the local credentials straight through', async () => {
    // Act
    const response = await direct((request) =>
      signAwsRequest(request, lambda, { credentials: localAwsCredentials }),
    )

    // Assess
    expect(response.status).toBe(200)
    expect(JSON.stringify(await response.json())).toContain(
      '{"text":"6*7 = ","mediaType":"text/plain"},{"text":"42"',
    )
  })

  it('refuses an unsigned request as AWS does, without reaching the agent', async () => {
    // Prepare
    const before = calculator.requestCount()

    // Act
    const response = await direct()

    // Assess
    expect(response.status).toBe(403)
    expect(response.headers.get('x-amzn-errortype')).toBe('AccessDeniedException')
    expect((await response.json()).Message).toMatch(/^Forbidden/)
    expect(calculator.requestCount()).toBe(before)
  })

  it('refuses a request signed with other credentials', async () => {
    // Prepare
    const before = calculator.requestCount()

    // Act
    const otherKey = await direct((request) =>
      signAwsRequest(request, lambda, {
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' },
      }),
    )
    const otherSecret = await direct((request) =>
      signAwsRequest(request, lambda, {
        credentials: { ...localAwsCredentials, secretAccessKey: 'not-the-local-secret' },
      }),
    )

    // Assess
    expect([otherKey.status, otherSecret.status]).toEqual([403, 403])
    expect((await otherKey.json()).message).toBe(
      'The security token included in the request is invalid.',
    )
    expect((await otherSecret.json()).message).toMatch(
      /^The request signature we calculated does not match the signature you provided/,
    )
    expect(calculator.requestCount()).toBe(before)
  })

  it('refuses a signed request whose body was changed on the way', async () => {
    // Prepare
    const before = calculator.requestCount()

    // Act
    const response = await direct(async (request) => {
      const signed = await signAwsRequest(request, lambda, { credentials: localAwsCredentials })
      return { ...signed, body: new TextEncoder().encode(sendMessage.replace('6*7', '6*9')) }
    })

    // Assess
    expect(response.status).toBe(403)
    expect((await response.json()).message).toBe(
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    )
    expect(calculator.requestCount()).toBe(before)
  })

  it('refuses a signature older than five minutes', async () => {
    // Act
    const response = await direct((request) =>
      signAwsRequest(request, lambda, {
        credentials: localAwsCredentials,
        now: () => Date.now() - 6 * 60_000,
      }),
    )

    // Assess
    expect(response.status).toBe(403)
    expect((await response.json()).message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than/,
    )
  })

  describe.each<Transport>(['JSONRPC', 'HTTP+JSON'])(
    'an agent whose AWS front door refuses the gateway, over %s',
    (transport) => {
      it("tells the caller the call never reached the agent, keeping AWS's own text from it", async () => {
        // Prepare: registered while its function URL took the gateway's signature, then
        // refusing it (another key pair, as when the role lost its grant), on the same address
        // (the same server: a port freed and taken again could go to another test meanwhile)
        const ledger = `ledger-${transport === 'JSONRPC' ? 'rpc' : 'rest'}`
        const refusing = await startSigV4FunctionUrl(await startCalculatorAgent())
        await registerAgents(stack, [
          {
            agentId: ledger,
            backendUrl: refusing.url,
            agentCardUrl: refusing.cardUrl,
            auth: { type: 'aws_iam', service: 'lambda', region: 'us-east-1' },
          },
        ])
        await grantToDemoClient([ledger, 'calculator'])
        refusing.acceptOnly({ accessKeyId: 'AKIDOTHERACCOUNT', secretAccessKey: 'other-secret' })
        const client = await gatewayClient(
          `${stack.url}/agents/${ledger}/`,
          await stack.token('demo-client'),
          transport,
        )

        // Act
        const failure = await client.sendMessage(textMessage('1+1')).catch((error: Error) => error)

        // Assess
        await refusing.close()
        expect(failure).toBeInstanceOf(Error)
        const said = String((failure as Error).message)
        expect(said).toContain("its AWS endpoint refused the gateway's request (HTTP 403")
        expect(said).not.toMatch(/signature|Forbidden|AKID/i)
      })
    },
  )

  it("names AWS's error type to the operator when a private agent's card fetch is refused", async () => {
    // Prepare: a function URL that refuses the gateway's signature
    const refusing = await startSigV4FunctionUrl(await startCalculatorAgent(), {
      credentials: { accessKeyId: 'AKIDOTHERACCOUNT', secretAccessKey: 'other-secret' },
    })
    const token = await stack.token('admin-client')
    const admin = adminCaller(() => ({ url: stack.url, token }))

    // Act
    const response = await admin('POST', '/admin/register', {
      agentId: 'refused',
      backendUrl: refusing.url,
      agentCardUrl: refusing.cardUrl,
      auth: { type: 'aws_iam', service: 'lambda', region: 'us-east-1' },
    })

    // Assess
    await refusing.close()
    expect(response.status).toBe(422)
    expect((await response.json()).detail).toMatch(/it answered HTTP 403 [A-Za-z]+Exception/)
  })
})
