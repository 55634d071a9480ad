import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { tableName } from '../../lib/tables.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { postA2A, textMessageParams } from '../support/a2a-client.ts'
import { inOneMinute } from '../support/one-minute.ts'
import { grantToDemoClient, putPermission } from '../support/stack-setup.ts'

describe('rate limits through the local gateway', () => {
  let stack: RunningStack
  let token: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    await grantToDemoClient([], { requestsPerMinute: 10 })
    token = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  const send = (binding: 'rest' | 'jsonrpc') =>
    fetch(`${stack.url}/agents/calculator${binding === 'rest' ? '/message:send' : ''}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify(
        binding === 'rest'
          ? { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '1+1' }] } }
          : {
              jsonrpc: '2.0',
              id: 'late',
              method: 'SendMessage',
              params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '1+1' }] } },
            },
      ),
    })

  // Counters are per clock minute: each test starts its burst (the calls that spend the limit
  // and those refused) right after inOneMinute, which may wait up to 15.5 s: hence 40 s a test.
  it('lets 10 of 50 concurrent calls through a limit of 10 a minute and answers the rest 429', async () => {
    // Prepare
    await inOneMinute()

    // Act
    const responses = await Promise.all(Array.from({ length: 50 }, () => send('rest')))

    // Assess
    const ok = responses.filter((response) => response.status === 200)
    const limited = responses.filter((response) => response.status === 429)
    expect([ok.length, limited.length]).toEqual([10, 40])
    const secondsLeft = 60 - Math.floor((Date.now() % 60_000) / 1000)
    for (const response of limited) {
      const retryAfter = Number(response.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(secondsLeft - 2)
      expect(retryAfter).toBeLessThanOrEqual(60)
    }
    expect(ok[0]?.headers.get('ratelimit-policy')).toBe('"per-caller-agent";q=10;w=60')
    expect(ok.map((response) => response.headers.get('ratelimit'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^"per-caller-agent";r=0;t=\d+$/)]),
    )
    const body = await limited[0]?.json()
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' })
  }, 40_000)

  it('answers a limited JSON-RPC call with a JSON-RPC error that echoes its id', async () => {
    // Prepare: the limit of 10 used up (by the calls above, or here, in a minute of its own)
    await inOneMinute()
    for (let i = 0; i < 11 && (await send('rest')).status !== 429; i++);

    // Act
    const response = await send('jsonrpc')

    // Assess
    expect(response.status).toBe(429)
    expect(await response.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 'late',
      error: { code: -32053 },
    })
  }, 40_000)

  it('answers a limited 0.3 HTTP+JSON call in 0.3’s error shape', async () => {
    // Prepare: the limit of 10 used up (by the calls above, or here, in a minute of its own)
    await inOneMinute()
    for (let i = 0; i < 11 && (await send('rest')).status !== 429; i++);

    // Act
    const response = await fetch(`${stack.url}/agents/calculator/v1/message:send`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '0.3',
      },
      body: JSON.stringify({
        message: { messageId: 'm', role: 'ROLE_USER', content: [{ text: '1+1' }] },
      }),
    })

    // Assess: 0.3's { code, message } as application/json, which a 0.3 client reads
    expect(response.status).toBe(429)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({
      code: -32053,
      message: expect.stringMatching(/^Rate limit of 10 calls per minute to this agent reached/),
    })
  }, 40_000)

  it('takes no stream slot for streams the rate limit refused', async () => {
    // Prepare: the limit of 10 used up (by the calls above, or here)
    await inOneMinute()
    for (let i = 0; i < 11 && (await send('rest')).status !== 429; i++);
    const stream = () =>
      fetch(`${stack.url}/agents/calculator/message:stream`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
        },
        body: JSON.stringify({
          message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '1+1' }] },
        }),
      })
    const database = createDocumentClient({
      region: 'us-east-1',
      dynamoDbEndpoint: process.env.DYNAMODB_ENDPOINT,
    })
    const writesBefore = stack.databaseRequests().UpdateItem ?? 0

    // Act
    const responses = await Promise.all(Array.from({ length: 5 }, stream))

    // Assess: refused before any slot was asked for, so no slot write at all (the limiter,
    // knowing the counter full, writes nothing either), and no slot left taken.
    expect(responses.map((response) => response.status)).toEqual([429, 429, 429, 429, 429])
    expect((stack.databaseRequests().UpdateItem ?? 0) - writesBefore).toBe(0)
    const { Items } = await database.send(
      new ScanCommand({ TableName: tableName('rateLimits', process.env.TABLE_PREFIX as string) }),
    )
    const slots = (Items ?? []).filter((item) => String(item.pk).endsWith('#calculator#streams'))
    expect(slots.filter((item) => item.slots !== undefined)).toEqual([])
  }, 40_000)

  it('counts every /route message against the caller’s /route limit, unrouted ones included', async () => {
    // Prepare: weather-client holds only weather, at 3 a minute
    await putPermission({ scope: 'weather:invoke', agents: ['weather'], requestsPerMinute: 3 })
    const weatherOnly = await stack.token('weather-client')
    const unroutable = () =>
      fetch(`${stack.url}/route/message:send`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${weatherOnly}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
        },
        body: JSON.stringify({
          message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'zqxj vbnm plokij' }] },
        }),
      })
    await inOneMinute()

    // Act
    const responses = await Promise.all(Array.from({ length: 5 }, unroutable))

    // Assess: 3 reach the router (which finds no agent: 422), 2 are refused before it
    const statuses = responses.map((response) => response.status).sort()
    expect(statuses).toEqual([422, 422, 422, 429, 429])
    const limited = responses.find((response) => response.status === 429) as Response
    expect(limited.headers.get('ratelimit-policy')).toBe('"per-caller-route";q=3;w=60')
    expect((await limited.json()).error.message).toMatch(/messages per minute to \/route/)
  }, 40_000)

  it('holds a message limit whatever limit a read-only scope of the same caller has on the agent', async () => {
    // Prepare: demo-client sends to weather at 3 a minute, and reads its tasks under a scope
    // that names no limit (the default, 60), as the seed's tasks:read does
    await putPermission({
      scope: 'weather:invoke',
      agents: ['weather'],
      operations: ['SendMessage'],
      requestsPerMinute: 3,
    })
    await putPermission({
      scope: 'calculator:invoke',
      agents: ['weather'],
      operations: ['GetTask'],
    })
    const messageToWeather = () =>
      postA2A(
        `${stack.url}/agents/weather/message:send`,
        token,
        textMessageParams('Weather in Tokyo?'),
      )
    await inOneMinute()

    // Act
    const responses = await Promise.all(Array.from({ length: 6 }, messageToWeather))

    // Assess
    const statuses = responses.map((response) => response.status).sort()
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429])
    expect(responses[0]?.headers.get('ratelimit-policy')).toBe('"per-caller-agent";q=3;w=60')
  }, 40_000)
})
