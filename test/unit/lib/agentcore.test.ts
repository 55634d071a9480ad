import { randomUUID } from 'node:crypto'
import { parse } from '@cdktf/hcl2json'
import { describe, expect, it } from 'vitest'
import {
  agentCoreRuntimeOf,
  agentCoreRuntimeOfCard,
  resolveBackendAddress,
} from '../../../lib/backend/agentcore.ts'
import {
  conversationSessionId,
  sessionHeader,
  withRuntimeSession,
} from '../../../lib/backend/agentcore-session.ts'
import { awsTargetOf } from '../../../lib/backend/auth/aws-iam.ts'
import type { OutgoingRequest } from '../../../lib/backend/auth/backend-auth.ts'
import { forwardCall } from '../../../lib/backend/forward-call.ts'
import { PayloadTooLargeError } from '../../../lib/errors.ts'
import { maxKeptNumbers } from '../../../lib/json-kept-numbers.ts'
import { agentConfigSchema } from '../../../lib/registry/agent-config.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import {
  gatewayRequestHeaderAllowlist,
  requestHeaderAllowlistRefusal,
} from '../../../local/agentcore-runtime.ts'
import { a2aCall } from '../../support/a2a-call.ts'
import { forwardOptionsWith } from '../../support/forward-options.ts'
import { codeBlocks, readmeSection } from '../../support/readme.ts'

const arn = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/billing_agent-AbCdEfGhIj'
const encoded = encodeURIComponent(arn)
const invocations = `https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/${encoded}/invocations/`
/** A 1.0 JSON-RPC agent on a runtime, called without credentials of its own. */
const runtimeRecord = {
  agentId: 'billing',
  auth: { type: 'none' },
  status: 'active',
  protocolVersion: '1.0',
  endpoints: { JSONRPC: invocations },
} as unknown as AgentRecord

describe('AgentCore runtime addresses', () => {
  it('builds the invocation URL and card URL of a runtime registered by its ARN, in the ARN’s region', () => {
    // Act
    const resolved = resolveBackendAddress({ backendUrl: arn })
    const china = resolveBackendAddress({
      backendUrl: 'arn:aws-cn:bedrock-agentcore:cn-north-1:123456789012:runtime/a-1',
    })

    // Assess
    expect(resolved.backendUrl).toBe(invocations)
    expect(resolved.agentCardUrl).toBe(`${invocations}.well-known/agent-card.json`)
    expect(resolved.runtime).toMatchObject({ arn, region: 'us-east-1' })
    expect(china.backendUrl).toMatch(
      /^https:\/\/bedrock-agentcore\.cn-north-1\.amazonaws\.com\.cn\//,
    )
  })

  it('builds the URLs on AWS_ENDPOINT_URL_BEDROCK_AGENTCORE when it is set', () => {
    // Act
    const resolved = resolveBackendAddress({ backendUrl: arn }, 'http://127.0.0.1:4010/')

    // Assess
    expect(resolved.backendUrl).toBe(`http://127.0.0.1:4010/runtimes/${encoded}/invocations/`)
    expect(resolved.agentCardUrl).toBe(
      `http://127.0.0.1:4010/runtimes/${encoded}/invocations/.well-known/agent-card.json`,
    )
  })

  it('recognises the runtime below an endpoint override that has a path of its own', () => {
    // Act
    const resolved = resolveBackendAddress({ backendUrl: arn }, 'https://proxy.internal/agentcore')

    // Assess
    expect(resolved.backendUrl).toBe(
      `https://proxy.internal/agentcore/runtimes/${encoded}/invocations/`,
    )
    expect(agentCoreRuntimeOf(resolved.backendUrl)).toMatchObject({ arn, region: 'us-east-1' })
    expect(agentCoreRuntimeOfCard(resolved.agentCardUrl as string)).toMatchObject({ arn })
  })

  it('keeps an invocation URL as given, with its qualifier on the derived card URL too', () => {
    // Act
    const resolved = resolveBackendAddress({ backendUrl: `${invocations}?qualifier=prod` })

    // Assess
    expect(resolved.backendUrl).toBe(`${invocations}?qualifier=prod`)
    expect(resolved.agentCardUrl).toBe(`${invocations}.well-known/agent-card.json?qualifier=prod`)
    expect(resolved.runtime).toMatchObject({ arn, qualifier: 'prod' })
    expect(agentCoreRuntimeOfCard(resolved.agentCardUrl as string)).toMatchObject({
      arn,
      qualifier: 'prod',
    })
  })

  it.each([
    ['another path', 'https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/x/invocations/'],
    [
      'a Lambda ARN',
      `https://h/runtimes/${encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:function:f')}/invocations/`,
    ],
    ['an unencoded ARN', `https://h/runtimes/${arn}/invocations/`],
    ['a plain agent', 'https://agents.example.com/a2a'],
  ])('does not take %s for an AgentCore runtime', (_what, url) => {
    // Act
    const runtime = agentCoreRuntimeOf(url)

    // Assess
    expect(runtime).toBeUndefined()
    expect(resolveBackendAddress({ backendUrl: url, agentCardUrl: 'https://c/card' })).toEqual({
      backendUrl: url,
      agentCardUrl: 'https://c/card',
    })
  })

  it('infers bedrock-agentcore and the ARN’s region from a runtime ARN or an invocation URL on any host', () => {
    // Act
    const byArn = awsTargetOf(arn)
    const local = awsTargetOf(`http://127.0.0.1:4010/runtimes/${encoded}/invocations/`)

    // Assess
    expect(byArn).toEqual({ service: 'bedrock-agentcore', region: 'us-east-1' })
    expect(local).toEqual({ service: 'bedrock-agentcore', region: 'us-east-1' })
  })

  it('takes a runtime ARN as backendUrl without agentCardUrl, and refuses a region the ARN contradicts', () => {
    // Act
    const byArn = agentConfigSchema.safeParse({
      agentId: 'billing',
      backendUrl: arn,
      auth: { type: 'aws_iam' },
    })
    const otherRegion = agentConfigSchema.safeParse({
      agentId: 'billing',
      backendUrl: arn,
      auth: { type: 'aws_iam', region: 'eu-west-1' },
    })
    const plainWithoutCard = agentConfigSchema.safeParse({
      agentId: 'billing',
      backendUrl: 'https://agents.example.com/a2a',
    })
    const notAnArn = agentConfigSchema.safeParse({
      agentId: 'billing',
      backendUrl: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    })

    // Assess
    expect(byArn.success).toBe(true)
    expect(otherRegion.error?.issues).toEqual([
      expect.objectContaining({
        path: ['auth', 'region'],
        message: expect.stringContaining('us-east-1'),
      }),
    ])
    expect(plainWithoutCard.error?.issues).toEqual([
      expect.objectContaining({ path: ['agentCardUrl'] }),
    ])
    expect(notAnArn.error?.issues[0]?.path).toEqual(['backendUrl'])
  })
})

describe("README's AgentCore example", () => {
  it('gives the runtime in its Terraform snippet the request-header allow-list the local stand-in’s runtime has', async () => {
    // Prepare
    const [snippet] = codeBlocks(readmeSection('Private agents'), 'hcl').filter((block) =>
      block.includes('aws_bedrockagentcore_agent_runtime'),
    )

    // Act
    const parsed = (await parse('README.md', snippet ?? '')) as {
      resource?: Record<string, Record<string, Record<string, unknown>[]>>
    }
    const [runtime] =
      Object.values(parsed.resource?.aws_bedrockagentcore_agent_runtime ?? {})[0] ?? []
    const [headers] = (runtime?.request_header_configuration ?? []) as {
      request_header_allowlist?: string[]
    }[]

    // Assess: the provider's names (its resource schema); a list AgentCore takes
    expect(Object.keys(runtime ?? {}).sort()).toEqual([
      'agent_runtime_artifact',
      'agent_runtime_name',
      'network_configuration',
      'protocol_configuration',
      'request_header_configuration',
      'role_arn',
    ])
    expect(runtime?.protocol_configuration).toEqual([{ server_protocol: 'A2A' }])
    expect(headers?.request_header_allowlist).toEqual(gatewayRequestHeaderAllowlist)
    expect(requestHeaderAllowlistRefusal(gatewayRequestHeaderAllowlist)).toBeUndefined()
  })

  it('registers by ARN exactly the invocation and card URLs the URL form names', () => {
    // Prepare
    const configs = codeBlocks(readmeSection('Private agents'), 'json')
      .map((block) => JSON.parse(block) as Record<string, unknown>)
      .filter((config) => typeof config.backendUrl === 'string')
    const byArn = configs.find((config) => String(config.backendUrl).startsWith('arn:'))
    const byUrl = configs.find((config) => String(config.backendUrl).includes('/runtimes/'))

    // Act
    const parsed = agentConfigSchema.parse(byArn)
    const resolved = resolveBackendAddress(parsed)

    // Assess
    expect(resolved.backendUrl).toBe(byUrl?.backendUrl)
    expect(resolved.agentCardUrl).toBe(byUrl?.agentCardUrl)
    expect(byUrl).toBeDefined()
    const { service, region } = (byUrl as { auth: { service: string; region: string } }).auth
    expect(awsTargetOf(parsed.backendUrl)).toEqual({ service, region })
  })
})

const request = (body: unknown): OutgoingRequest => ({
  method: 'POST',
  url: invocations,
  headers: { 'content-type': 'application/json' },
  body: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
})
const send = (contextId?: string, extra: Record<string, unknown> = {}) =>
  request({
    jsonrpc: '2.0',
    id: 1,
    method: 'SendMessage',
    params: {
      message: {
        messageId: 'm-1',
        role: 'ROLE_USER',
        parts: [{ text: 'hi' }],
        ...(contextId ? { contextId } : {}),
        ...extra,
      },
    },
  })
const scope = { agentId: 'billing', principal: 'client-a' }
const sessionOf = (result: { request: OutgoingRequest }) => result.request.headers[sessionHeader]

describe('AgentCore session derivation', () => {
  it('gives one caller’s messages in one context one session, and another caller another', () => {
    // Act
    const first = withRuntimeSession(send('ctx-1'), scope)
    const second = withRuntimeSession(send('ctx-1'), scope)
    const otherCaller = withRuntimeSession(send('ctx-1'), { ...scope, principal: 'client-b' })
    const otherContext = withRuntimeSession(send('ctx-2'), scope)
    const otherAgent = withRuntimeSession(send('ctx-1'), { ...scope, agentId: 'other' })

    // Assess
    expect(sessionOf(first)).toBe(sessionOf(second))
    expect(sessionOf(otherCaller)).not.toBe(sessionOf(first))
    expect(sessionOf(otherContext)).not.toBe(sessionOf(first))
    expect(sessionOf(otherAgent)).not.toBe(sessionOf(first))
    for (const id of [first, otherCaller, otherContext, otherAgent].map(sessionOf)) {
      expect(id).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_-]{32,255}$/)
    }
  })

  it('passes a message with a contextId byte for byte', () => {
    // Prepare
    const outgoing = request(
      '{ "jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"contextId":"ctx-1","parts":[]}}}',
    )

    // Act
    const { request: sent } = withRuntimeSession(outgoing, scope)

    // Assess
    expect(sent.body).toBe(outgoing.body)
  })

  it('reads a contextId spelled context_id as the runtime will, and adds none beside it', () => {
    // Prepare
    const outgoing = request(
      '{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"context_id":"ctx-1","parts":[]}}}',
    )

    // Act
    const { request: sent, sessionId } = withRuntimeSession(outgoing, scope)

    // Assess: the conversation's session, and the body as it came
    expect(sessionId).toBe(conversationSessionId({ ...scope, contextId: 'ctx-1' }))
    expect(sent.body).toBe(outgoing.body)
  })

  it('starts a conversation for a message without a contextId: a fresh contextId in the message, its session derivable again from it', () => {
    // Prepare
    const outgoing = request(
      '{"jsonrpc":"2.0","id":12345678901234567890,"method":"SendMessage","params":{"message":{"parts":[{"data":{"price":1.0}}]}}}',
    )

    // Act
    const started = withRuntimeSession(outgoing, scope, () => 'fresh-context')
    const another = withRuntimeSession(outgoing, scope)

    // Assess
    expect(new TextDecoder().decode(started.request.body)).toBe(
      '{"jsonrpc":"2.0","id":12345678901234567890,"method":"SendMessage","params":{"message":{"parts":[{"data":{"price":1.0}}],"contextId":"fresh-context"}}}',
    )
    expect(started.sessionId).toBe(conversationSessionId({ ...scope, contextId: 'fresh-context' }))
    expect(sessionOf(withRuntimeSession(send('fresh-context'), scope))).toBe(started.sessionId)
    expect(another.sessionId).not.toBe(started.sessionId)
  })

  it('gives every call about one task the same session, and another caller’s another', () => {
    // Act
    const get = withRuntimeSession(
      request({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 't-1' } }),
      scope,
    )
    const cancel = withRuntimeSession(
      request({ jsonrpc: '2.0', id: 2, method: 'CancelTask', params: { id: 't-1' } }),
      scope,
    )
    const theirs = withRuntimeSession(
      request({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 't-1' } }),
      { ...scope, principal: 'client-b' },
    )

    // Assess
    expect(get.sessionId).toBe(cancel.sessionId)
    expect(theirs.sessionId).not.toBe(get.sessionId)
  })

  it('sends a call about a task to the session of the conversation that created it, when its context is recorded', () => {
    // Prepare
    const getTask = request({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 't-1' } })
    const continuing = send(undefined, { taskId: 't-1' })
    const task = { owner: 'client-a', contextId: 'ctx-1' }

    // Act
    const read = withRuntimeSession(getTask, { ...scope, task })
    const continued = withRuntimeSession(continuing, { ...scope, task })

    // Assess
    expect(read.sessionId).toBe(conversationSessionId({ ...scope, contextId: 'ctx-1' }))
    expect(continued.sessionId).toBe(read.sessionId)
    expect(continued.request.body).toBe(continuing.body)
  })

  it('sends a message within the request limit with the contextId it gives it, though that takes it past the limit', () => {
    // Prepare: a message without a contextId of exactly a 1,000-byte limit
    const shell = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '' }] } },
    })
    const atLimit = shell.replace('"text":""', `"text":"${'x'.repeat(1_000 - shell.length)}"`)

    // Act
    const started = withRuntimeSession(request(atLimit), scope, randomUUID, {
      maxRequestBytes: 1_000,
    })

    // Assess: sent with the contextId (some 51 bytes), not the caller's 413 for what the gateway added
    expect(Buffer.byteLength(atLimit)).toBe(1_000)
    const sent = new TextDecoder().decode(started.request.body)
    expect(Buffer.byteLength(sent)).toBeGreaterThan(1_000)
    expect(JSON.parse(sent).params.message.contextId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('sends an HTTP+JSON message of exactly the limit to a runtime, though its envelope and then its contextId each take it further', async () => {
    // Prepare: a runtime serves JSON-RPC only, so the message is carried to JSON-RPC (an envelope),
    // then given a contextId: both the gateway's own bytes
    const sent: string[] = []
    const fetch = async (_url: unknown, init?: RequestInit) => {
      sent.push(Buffer.from(init?.body as Uint8Array).toString())
      return new Response(
        '{"jsonrpc":"2.0","id":1,"result":{"message":{"messageId":"a","role":"ROLE_AGENT","parts":[{"text":"ok"}]}}}',
        {
          headers: { 'content-type': 'application/json' },
        },
      )
    }
    const shell = '{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":""}]}}'
    const body = shell.replace('"text":""', `"text":"${'x'.repeat(1_000 - shell.length)}"`)
    const call = a2aCall({
      operation: 'SendMessage',
      binding: 'HTTP+JSON',
      restPath: '/message:send',
      params: JSON.parse(body),
      body,
    })

    // Act
    const answer = await forwardCall(
      runtimeRecord,
      call,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body },
      { ...forwardOptionsWith(fetch), maxRequestBytes: 1_000, onEnd: () => {} },
    )

    // Assess: the agent's answer, where until the 30th session the caller got its 413
    expect(answer.statusCode).toBe(200)
    expect(sent).toHaveLength(1)
    expect(JSON.parse(sent[0] as string).params.message.contextId).toMatch(/^[0-9a-f-]{36}$/)
    expect(Buffer.byteLength(sent[0] as string)).toBeGreaterThan(1_000 + 51)
  })

  describe('a message given a contextId, past the numbers kept as written (`maxKeptNumbers`)', () => {
    /** A JSON-RPC SendMessage without a contextId whose data holds one `1e20` too many to keep. */
    const grown = `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"data":[${Array(
      maxKeptNumbers + 1,
    )
      .fill('1e20')
      .join(',')}]}]}}}`
    const limit = { maxRequestBytes: 1024 * 1024 }

    it('is held to the request limit once written anew: the caller’s 413, naming what grew it', () => {
      // Prepare: 0.5 MB as sent; its numbers written back as doubles, 21 digits each, 2.3 MB
      const outgoing = request(grown)

      // Act
      const starting = () => withRuntimeSession(outgoing, scope, () => 'fresh-context', limit)

      // Assess
      expect(Buffer.byteLength(grown)).toBeLessThan(limit.maxRequestBytes)
      expect(starting).toThrow(PayloadTooLargeError)
      expect(starting).toThrow(
        /given a contextId for its AgentCore session, is \d+ bytes, larger than the 1048576-byte limit/,
      )
    })

    it('is refused before it is sent when a call to a runtime is forwarded with the limit', async () => {
      // Prepare: a runtime's agent, called through a fetch that counts what reaches it
      let sent = 0
      const fetch = async () => {
        sent++
        return new Response('{}', { headers: { 'content-type': 'application/json' } })
      }
      const call = a2aCall({
        operation: 'SendMessage',
        params: JSON.parse(grown).params,
        jsonRpcId: 1,
        body: grown,
      })

      // Act
      const forwarding = forwardCall(
        runtimeRecord,
        call,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: grown },
        { ...forwardOptionsWith(fetch), ...limit, onEnd: () => {} },
      )

      // Assess
      await expect(forwarding).rejects.toThrow(PayloadTooLargeError)
      expect(sent).toBe(0)
    })
  })
})
