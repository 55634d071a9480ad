import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningAgent } from '../../agents/serve.ts'
import { startWeatherAgent } from '../../agents/weather/agent.ts'
import { sessionHeader } from '../../lib/backend/agentcore-session.ts'
import { signAwsRequest } from '../../lib/backend/auth/aws-iam.ts'
import {
  type AgentCoreStandIn,
  gatewayRequestHeaderAllowlist,
  type RuntimeInvocation,
  startAgentCoreStandIn,
} from '../../local/agentcore-runtime.ts'
import { localAwsCredentials } from '../../local/sigv4-function-url.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { postA2A } from '../support/a2a-client.ts'
import { adminCaller } from '../support/admin-api.ts'

const arn = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/helper_agent-AbCdEfGhIj'
/** A runtime whose request-header allow-list names the caller but not `A2A-Version`. */
const bareArn = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/bare_agent-KlMnOpQrSt'

/** An HTTP+JSON SendMessage body, in the context given (or none). */
const messageIn = (contextId?: string) => ({
  message: {
    messageId: crypto.randomUUID(),
    role: 'ROLE_USER',
    parts: [{ text: 'weather in Paris' }],
    ...(contextId ? { contextId } : {}),
  },
})

/** The contextId an HTTP+JSON SendMessage answer carries (a task or a message). */
const contextOf = (answer: { task?: { contextId?: string }; message?: { contextId?: string } }) =>
  answer.task?.contextId ?? answer.message?.contextId

describe('an AgentCore Runtime agent (the local AgentCore stand-in) through the gateway', () => {
  let agent: RunningAgent
  let agentCore: AgentCoreStandIn
  let stack: RunningStack
  let demo: string
  let other: string
  let registered: Response
  let bareRegistered: Response

  beforeAll(async () => {
    agent = await startWeatherAgent({ port: 0 })
    agentCore = await startAgentCoreStandIn([
      // As the README tells operators to configure a runtime.
      { arn, agent, requestHeaderAllowlist: gatewayRequestHeaderAllowlist },
      { arn: bareArn, agent, requestHeaderAllowlist: ['X-Switchboard-Caller'] },
    ])
    // The handlers read it when the stack imports them: runtimes registered by ARN are called here.
    process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = agentCore.url
    stack = await startThrowawayStack()
    const admin = await stack.token('admin-client')
    const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
    registered = await adminCall('POST', '/admin/register', {
      agentId: 'helper',
      backendUrl: arn,
      auth: { type: 'aws_iam' },
    })
    bareRegistered = await adminCall('POST', '/admin/register', {
      agentId: 'bare',
      backendUrl: bareArn,
      auth: { type: 'aws_iam' },
    })
    // demo-client and weather-client both hold weather:invoke.
    await adminCall('PUT', '/admin/permissions/weather%3Ainvoke', {
      agents: ['weather', 'helper', 'bare'],
    })
    demo = await stack.token('demo-client')
    other = await stack.token('weather-client')
  })
  afterAll(async () => {
    await stack?.stop()
    await agentCore?.close()
    await agent?.close()
    delete process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE
  })

  const send = async (token: string, contextId?: string, agentId = 'helper') => {
    const response = await postA2A(
      `${stack.url}/agents/${agentId}/message:send`,
      token,
      messageIn(contextId),
    )
    return { status: response.status, body: await response.json() }
  }
  /** The sessions of the InvokeAgentRuntime requests the stand-in saw during `act`. */
  const sessionsDuring = async (act: () => Promise<unknown>) => {
    const before = agentCore.invocations().length
    await act()
    return agentCore
      .invocations()
      .slice(before)
      .filter(({ kind }) => kind === 'invoke')
      .map(({ sessionId }) => sessionId)
  }

  it('registers a runtime by its ARN: the invocation URL built on the endpoint override, the card read by GetAgentCard, JSON-RPC only', async () => {
    // Prepare
    const invocations = `${agentCore.url}/runtimes/${encodeURIComponent(arn)}/invocations/`

    // Assess
    expect(registered.status).toBe(201)
    const record = (await registered.json()) as {
      backendUrl: string
      agentCardUrl: string
      endpoints: Record<string, string>
    }
    expect(record.backendUrl).toBe(invocations)
    expect(record.agentCardUrl).toBe(`${invocations}.well-known/agent-card.json`)
    expect(record.endpoints).toEqual({ JSONRPC: invocations })
    expect(agentCore.invocations()[0]).toMatchObject({ arn, kind: 'card' })
  })

  it('answers an HTTP+JSON caller (translated to JSON-RPC), one caller’s context in one session and another caller’s in another', async () => {
    // Act
    const answers: { status: number; body: unknown }[] = []
    const sessions = await sessionsDuring(async () => {
      answers.push(await send(demo, 'trip-planning'))
      answers.push(await send(demo, 'trip-planning'))
      answers.push(await send(other, 'trip-planning'))
    })

    // Assess
    expect(answers.map(({ status }) => status)).toEqual([200, 200, 200])
    expect(answers.map(({ body }) => contextOf(body as never))).toEqual([
      'trip-planning',
      'trip-planning',
      'trip-planning',
    ])
    expect(sessions).toHaveLength(3)
    const [first, second, otherCallers] = sessions
    expect(second).toBe(first)
    expect(otherCallers).not.toBe(first)
    for (const id of sessions) {
      expect(id.length).toBeGreaterThanOrEqual(33)
      expect(id.length).toBeLessThanOrEqual(256)
    }
  })

  it('starts a new session for a message without a contextId, and finds it again from the contextId the agent answered with', async () => {
    // Act
    const sessions = await sessionsDuring(async () => {
      const started = await send(demo)
      const contextId = contextOf(started.body as never) as string
      expect(contextId).toEqual(expect.any(String))
      await send(demo, contextId)
      await send(demo)
    })

    // Assess
    const [started, continued, another] = sessions
    expect(continued).toBe(started)
    expect(another).not.toBe(started)
  })

  it('streams an HTTP+JSON caller’s message:stream (translated) in the session of its context', async () => {
    // Act
    let status = 0
    let contentType = ''
    let events = ''
    const sessions = await sessionsDuring(async () => {
      await send(demo, 'streamed-talk')
      const streamed = await postA2A(
        `${stack.url}/agents/helper/message:stream`,
        demo,
        messageIn('streamed-talk'),
      )
      status = streamed.status
      contentType = streamed.headers.get('content-type') ?? ''
      events = await streamed.text()
    })

    // Assess
    expect(status).toBe(200)
    expect(contentType).toMatch(/^text\/event-stream/)
    expect(events).toContain('data:')
    expect(sessions).toHaveLength(2)
    expect(sessions[1]).toBe(sessions[0])
  })

  it('sends a call naming a task (GetTask) to the session of the conversation that created the task', async () => {
    // Act
    const reads: number[] = []
    let taskId: unknown
    const sessions = await sessionsDuring(async () => {
      const started = await send(demo, 'task-talk')
      taskId = (started.body as { task?: { id?: string } }).task?.id
      const read = await fetch(`${stack.url}/agents/helper/tasks/${taskId}`, {
        headers: { authorization: `Bearer ${demo}`, 'a2a-version': '1.0' },
      })
      reads.push(read.status)
      await read.body?.cancel()
    })

    // Assess
    expect(taskId).toEqual(expect.any(String))
    expect(reads).toEqual([200])
    expect(sessions).toHaveLength(2)
    expect(sessions[1]).toBe(sessions[0])
  })

  /** The InvokeAgentRuntime requests the stand-in let through to `runtime` during `act`. */
  const invocationsDuring = async (runtime: string, act: () => Promise<unknown>) => {
    const before = agentCore.invocations().length
    await act()
    return agentCore
      .invocations()
      .slice(before)
      .filter((seen) => seen.arn === runtime && seen.kind === 'invoke')
  }
  const headerNames = (seen: RuntimeInvocation | undefined) =>
    Object.keys(seen?.headers ?? {}).sort()

  it("hands the agent of a runtime with the README's allow-list a 1.0 call's A2A-Version and the verified caller", async () => {
    // Act
    const [seen] = await invocationsDuring(arn, () => send(demo, 'allow-listed'))

    // Assess
    expect(seen?.headers).toMatchObject({
      'a2a-version': '1.0',
      'x-switchboard-caller': 'demo-client',
      'content-type': 'application/json',
    })
    expect(seen?.headers[sessionHeader]).toBe(seen?.sessionId)
  })

  it('hands the agent of a runtime whose allow-list lacks A2A-Version a 1.0 call without it (AgentCore drops it)', async () => {
    // Act
    const [seen] = await invocationsDuring(bareArn, () => send(demo, 'not-allow-listed', 'bare'))

    // Assess: what the agent then makes of the call is the agent's (an A2A 1.0 SDK reads it as 0.3)
    expect(bareRegistered.status).toBe(201)
    expect(headerNames(seen)).toEqual(['content-type', sessionHeader, 'x-switchboard-caller'])
    expect(seen?.headers['x-switchboard-caller']).toBe('demo-client')
  })

  it('hands a runtime’s agent the content type, the session id and the headers its allow-list names (in any case), and no other', async () => {
    // Prepare: a signed request carrying headers AgentCore drops
    const url = `${agentCore.url}/runtimes/${encodeURIComponent(arn)}/invocations/`
    const body = new TextEncoder().encode(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'no-such-task' } }),
    )
    const signed = await signAwsRequest(
      {
        method: 'POST',
        url,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'A2A-Version': '1.0',
          'x-switchboard-caller': 'someone',
          'x-switchboard-task-access': 'all',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          cookie: 'session=1',
          [sessionHeader]: 'y'.repeat(40),
        },
        body,
      },
      { service: 'bedrock-agentcore', region: 'us-east-1' },
      { credentials: localAwsCredentials },
    )

    // Act
    const [seen] = await invocationsDuring(arn, async () => {
      const answer = await fetch(url, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body as Uint8Array<ArrayBuffer>,
      })
      await answer.body?.cancel()
    })

    // Assess
    expect(seen?.headers).toEqual({
      'content-type': 'application/json',
      [sessionHeader]: 'y'.repeat(40),
      'a2a-version': '1.0',
      'x-switchboard-caller': 'someone',
      'x-switchboard-task-access': 'all',
    })
  })

  it('refuses a request-header allow-list AgentCore refuses', async () => {
    // Prepare
    const refusalOf = (requestHeaderAllowlist: string[]) =>
      startAgentCoreStandIn([{ arn, agent, requestHeaderAllowlist }]).then(
        async (started) => {
          await started.close()
          return 'started'
        },
        (error: Error) => error.message,
      )

    // Act
    const refusals = await Promise.all(
      [
        ['Accept'],
        ['Content-Type'],
        ['X-Amz-Date'],
        ['X-Amzn-Trace-Id'],
        ['Authorization'],
        ['A2A-Version', 'a2a-version'],
        ['A2A Version'],
        Array.from({ length: 21 }, (_, index) => `X-Header-${index}`),
      ].map(refusalOf),
    )
    const accepted = await refusalOf([
      ...gatewayRequestHeaderAllowlist,
      'X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant',
    ])

    // Assess
    for (const refusal of refusals) expect(refusal).toMatch(/requestHeaderAllowlist/)
    expect(accepted).toBe('started')
  })

  it('is refused by the stand-in when called without a session id or without a signature', async () => {
    // Prepare
    const url = `${agentCore.url}/runtimes/${encodeURIComponent(arn)}/invocations/`
    const body = new TextEncoder().encode(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: messageIn('c') }),
    )
    const request = { method: 'POST', url, headers: { 'content-type': 'application/json' }, body }
    const target = { service: 'bedrock-agentcore', region: 'us-east-1' }
    const before = agentCore.invocations().length

    // Act
    const noSession = await signAwsRequest(request, target, { credentials: localAwsCredentials })
    const shortSession = await signAwsRequest(
      { ...request, headers: { ...request.headers, [sessionHeader]: 'too-short' } },
      target,
      { credentials: localAwsCredentials },
    )
    const answers = await Promise.all(
      [
        noSession,
        shortSession,
        { ...request, headers: { ...request.headers, [sessionHeader]: 'x'.repeat(40) } },
      ].map((sent) =>
        fetch(url, {
          method: 'POST',
          headers: sent.headers,
          body: sent.body as Uint8Array<ArrayBuffer>,
        }),
      ),
    )

    // Assess
    expect(answers.map(({ status }) => status)).toEqual([400, 400, 403])
    expect(agentCore.invocations()).toHaveLength(before)
  })

  // Last: it stops the agent behind the runtime.
  it("says the agent may have acted when AgentCore answers for a runtime that failed, keeping AWS's text from the caller", async () => {
    // Prepare: the runtime's container gone, which AgentCore answers 424 RuntimeClientError
    await agent.close()

    // Act
    const { status, body } = await send(demo)

    // Assess
    expect(status).toBeGreaterThanOrEqual(500)
    const said = JSON.stringify(body)
    expect(said).toContain("failed the gateway's request (HTTP 424 RuntimeClientError)")
    expect(said).toContain('the agent may have acted on it')
    expect(said).not.toContain('could not be reached')
  })
})
