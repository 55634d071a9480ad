import { describe, expect, it } from 'vitest'
import { callSkill } from '../../../lib/backend/call-skill.ts'
import { backendCredentials } from '../../../lib/backend/credentials.ts'
import type { ForwardFetch } from '../../../lib/backend/forward.ts'
import { PayloadTooLargeError } from '../../../lib/errors.ts'
import { maxUnaryAnswerBytes } from '../../../lib/http/answer-size.ts'
import { maxKeptNumbers } from '../../../lib/json-kept-numbers.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { a2aCall } from '../../support/a2a-call.ts'

const fetchAnswering =
  (text: string, sent: string[] = []): ForwardFetch =>
  async (_url, init) => {
    sent.push(Buffer.from((init?.body ?? '') as string | Uint8Array).toString())
    return new Response(text, { headers: { 'content-type': 'application/json' } })
  }
const record = {
  agentId: 'calculator',
  auth: { type: 'none' },
  status: 'active',
  protocolVersion: '1.0',
  endpoints: { JSONRPC: 'http://calculator.test/rpc' },
  card: { skills: [{ id: 'add' }] },
} as unknown as AgentRecord
/** A skill call `add` as the gateway reads one: its params, and the body they came in. */
const skillCall = (paramsText: string) => ({
  ...a2aCall({
    operation: 'SendMessage',
    jsonRpcId: 9,
    body: `{"jsonrpc":"2.0","id":9,"method":"add","params":${paramsText}}`,
  }),
  skill: { id: 'add', params: JSON.parse(paramsText) as unknown },
})
const optionsFor = (fetch: ForwardFetch, more: Partial<Parameters<typeof callSkill>[2]> = {}) => ({
  timeoutMs: 5_000,
  credentials: backendCredentials({ secrets: { read: async () => '' }, fetch }),
  fetch,
  caller: 'client-1',
  ...more,
})
const message = (part: string) =>
  `{"jsonrpc":"2.0","id":1,"result":{"message":{"messageId":"a","role":"ROLE_AGENT","parts":[${part}]}}}`

describe('a skill call’s answer', () => {
  it('keeps the numbers of its data as the agent wrote them, not as doubles', async () => {
    // Prepare
    const fetch = fetchAnswering(message('{"data":{"x":[12345678901234567890,1e20,-0,1.0,7]}}'))

    // Act
    const answer = await callSkill(record, skillCall('{}'), optionsFor(fetch))

    // Assess: `12345678901234567000`, `100000000000000000000`, `0` and `1` until 7 December 2026
    expect(answer.body).toContain('"result":{"x":[12345678901234567890,1e20,-0,1.0,7]}')
  })

  it.each([
    ['a result', message('{"text":"4"}'), { result: '4' }],
    [
      'an error',
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"boom"}}',
      { error: { code: -32603, message: 'boom' } },
    ],
  ])(
    'is read, opened by a byte-order mark, as a client reads it: %s, not an answer of no JSON',
    async (_what, text, expected) => {
      // Prepare: fetch's `json()` and Python's `json.loads` of bytes pass the mark over, as
      // translation and task ownership do
      const fetch = fetchAnswering(`\uFEFF${text}`)

      // Act
      const answer = await callSkill(record, skillCall('{}'), optionsFor(fetch))

      // Assess
      expect(JSON.parse(answer.body)).toEqual({ jsonrpc: '2.0', id: 9, ...expected })
    },
  )

  it('gives a text the agent wrote as a number written otherwise (1e20) as written, not a 500', async () => {
    // Prepare: joined, a number kept as written threw (`String` cannot convert one)
    const fetch = fetchAnswering(message('{"text":"x = "},{"text":1e20}'))

    // Act
    const answer = await callSkill(record, skillCall('{}'), optionsFor(fetch))

    // Assess
    expect(JSON.parse(answer.body)).toMatchObject({ id: 9, result: 'x = 1e20' })
  })

  it('carries an HTTP+JSON agent’s error whose message is 1e20 as an error, not a 500', async () => {
    // Prepare: made an Error by the SDK, a message kept as written threw
    const restRecord = {
      ...record,
      endpoints: { 'HTTP+JSON': 'http://calculator.test/rest' },
    } as unknown as AgentRecord
    const fetch: ForwardFetch = async () =>
      new Response('{"error":{"code":500,"message":1e20}}', {
        status: 500,
        headers: { 'content-type': 'application/json' },
      })

    // Act
    const answer = await callSkill(restRecord, skillCall('{}'), optionsFor(fetch))

    // Assess
    expect(JSON.parse(answer.body)).toMatchObject({ id: 9, error: { code: expect.any(Number) } })
  })

  it('is not passed on when, written back, it passes what an answer carries; the reason is told', async () => {
    // Prepare: a result as large as the agent's answer may carry it, and the caller's long id
    // written around it in the JSON-RPC answer
    const overhead = Buffer.byteLength(message('{"data":""}'))
    const fetch = fetchAnswering(
      message(`{"data":"${'x'.repeat(maxUnaryAnswerBytes - overhead)}"}`),
    )
    const told: string[] = []

    // Act
    const answer = await callSkill(
      record,
      { ...skillCall('{}'), jsonRpcId: 'i'.repeat(300) },
      optionsFor(fetch, { onInvalidAnswer: (reason) => told.push(reason) }),
    )

    // Assess: the agent's invalid answer, and the reason told for the call's log line
    expect(answer.body.length).toBeLessThan(1000)
    expect(JSON.parse(answer.body).error).toMatchObject({ code: -32006 })
    expect(told).toEqual([JSON.parse(answer.body).error.message])
  })
})

describe('a skill call’s id', () => {
  it('is written back as the caller wrote it', async () => {
    // Prepare: the gateway read the id as a double, 12345678901234567000
    const fetch = fetchAnswering(message('{"text":"3"}'))
    const calling = {
      ...skillCall('{}'),
      jsonRpcId: 12345678901234567000,
      body: '{"jsonrpc":"2.0","id":12345678901234567890,"method":"add","params":{}}',
    }

    // Act
    const answer = await callSkill(record, calling, optionsFor(fetch))

    // Assess
    expect(answer.body).toContain('"id":12345678901234567890')
  })
})

describe('a skill call the agent refuses with a 4xx naming no A2A error', () => {
  const fastify413 = JSON.stringify({
    statusCode: 413,
    code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    error: 'Payload Too Large',
    message: 'Request body is too large',
  })
  const restRecord = {
    ...record,
    endpoints: { 'HTTP+JSON': 'http://calculator.test/rest' },
  } as unknown as AgentRecord

  it.each([
    ['JSON-RPC', record],
    ['HTTP+JSON', restRecord],
  ])(
    'is answered, over %s, with the agent’s status and Invalid Request, not HTTP 200',
    async (_binding, agent) => {
      // Prepare: Fastify's own answer to a body past its bodyLimit
      const fetch: ForwardFetch = async () =>
        new Response(fastify413, { status: 413, headers: { 'content-type': 'application/json' } })

      // Act
      const answer = await callSkill(agent, skillCall('{"a":1}'), optionsFor(fetch))

      // Assess: until the 30th session HTTP 200 (the error as it came, or -32603): the agent's failure
      expect(answer.statusCode).toBe(413)
      expect(JSON.parse(answer.body)).toEqual({
        jsonrpc: '2.0',
        id: 9,
        error: {
          code: -32600,
          message: 'The agent refused the request (HTTP 413): Request body is too large',
        },
      })
    },
  )

  it('carries the agent’s Retry-After with its 429, as a call relayed or translated does', async () => {
    // Prepare: @fastify/rate-limit's answer past the agent's own limit
    const fetch: ForwardFetch = async () =>
      new Response(
        JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message: 'Slow down' }),
        { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '30' } },
      )

    // Act
    const answer = await callSkill(record, skillCall('{"a":1}'), optionsFor(fetch))

    // Assess: a 429 telling no time to wait left the caller's client to retry at once
    expect(answer.statusCode).toBe(429)
    expect(answer.headers['retry-after']).toBe('30')
  })
})

describe('a skill call’s request', () => {
  it('carries the caller’s numbers to the agent as the caller wrote them', async () => {
    // Prepare
    const sent: string[] = []
    const fetch = fetchAnswering(message('{"text":"3"}'), sent)

    // Act
    await callSkill(
      record,
      skillCall('{"a":12345678901234567890,"b":1e20,"c":-0}'),
      optionsFor(fetch),
    )

    // Assess
    expect(sent[0]).toContain('"data":{"a":12345678901234567890,"b":1e20,"c":-0}')
  })

  it('is sent when the call is within the request limit, though the SendMessage around its params passes it', async () => {
    // Prepare: a call of 1,000 bytes to a 1,000-byte limit; the gateway's SendMessage around its
    // params is some 150 bytes more
    const sent: string[] = []
    const fetch = fetchAnswering(message('{"text":"3"}'), sent)
    const shell = skillCall('{"a":""}').body as string
    const call = skillCall(`{"a":"${'y'.repeat(1_000 - Buffer.byteLength(shell))}"}`)

    // Act
    const answer = await callSkill(record, call, optionsFor(fetch, { maxRequestBytes: 1_000 }))

    // Assess: the agent's answer, not the caller's 413 for bytes the gateway added
    expect(Buffer.byteLength(call.body as string)).toBe(1_000)
    expect(Buffer.byteLength(sent[0] as string)).toBeGreaterThan(1_000)
    expect(JSON.parse(answer.body)).toMatchObject({ result: '3' })
  })

  it('is refused as too large, sending nothing, when its params pass the request limit once written anew', async () => {
    // Prepare: one `1e20` more than are kept as written (`maxKeptNumbers`): 0.5 MB as sent, its
    // numbers written back as doubles, 21 digits each, 2.3 MB in the SendMessage
    const sent: string[] = []
    const fetch = fetchAnswering(message('{"text":"3"}'), sent)
    const numbers = Array(maxKeptNumbers + 1)
      .fill('1e20')
      .join(',')
    const call = skillCall(`{"a":[${numbers}]}`)

    // Act
    const calling = callSkill(record, call, optionsFor(fetch, { maxRequestBytes: 1024 * 1024 }))

    // Assess: the caller's 413, as for a request it sent too large, naming what grew it
    await expect(calling).rejects.toThrow(PayloadTooLargeError)
    await expect(calling).rejects.toThrow(
      /made a SendMessage for skill 'add', is \d+ bytes, larger than the 1048576-byte limit a request is held to and the \d+ bytes the gateway added to it/,
    )
    expect(sent).toEqual([])
  })
})
