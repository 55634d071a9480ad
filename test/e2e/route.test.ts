import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { gatewayClient, textMessage, textsOf } from '../support/a2a-client.ts'

describe('automatic routing (/route) through the local gateway', () => {
  let stack: RunningStack
  let demo: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    demo = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  const message = (text: string) => ({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  })
  const post = (path: string, body: unknown, token = demo) =>
    fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify(body),
    })

  it('sends a JSON-RPC message to the best-matching agent and names it', async () => {
    // Act
    const response = await post('/route', {
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: message('What is the weather forecast in Tokyo?'),
    })

    // Assess
    expect(response.status).toBe(200)
    expect(response.headers.get('x-switchboard-agent')).toBe('weather')
    expect(JSON.stringify(await response.json())).toContain('Tokyo')
  })

  it('routes over HTTP+JSON, streams included', async () => {
    // Act
    const unary = await post('/route/message:send', message('please calculate 2+2*3'))
    const stream = await post('/route/message:stream', message('weather forecast for Berlin'))

    // Assess
    expect(unary.headers.get('x-switchboard-agent')).toBe('calculator')
    expect(JSON.stringify(await unary.json())).toContain('"8"')
    expect(stream.headers.get('x-switchboard-agent')).toBe('weather')
    expect((await stream.text()).match(/^data: /gm)?.length).toBeGreaterThanOrEqual(3)
  })

  it('lists the closest candidates instead of guessing when nothing matches well enough', async () => {
    // Act
    const response = await post('/route/message:send', message('zqxj vbnm plokij'))

    // Assess
    expect(response.status).toBe(422)
    expect((await response.json()).error.message).toMatch(
      /No agent matches this message confidently/,
    )
  })

  it('never routes to an agent the caller may not use', async () => {
    // Prepare
    const weatherOnly = await stack.token('weather-client')

    // Act
    const response = await post(
      '/route/message:send',
      message('please calculate 2+2*3'),
      weatherOnly,
    )

    // Assess
    expect(response.headers.get('x-switchboard-agent')).not.toBe('calculator')
  })

  it('is an agent itself: the official client finds its card and sends through it', async () => {
    // Prepare
    const client = await gatewayClient(`${stack.url}/route/`, demo, 'JSONRPC')

    // Act
    const card = await client.getAgentCard()
    const result = await client.sendMessage(textMessage('What is the weather in Seoul?'))

    // Assess
    expect(card.name).toBe('Switchboard router')
    expect(textsOf(result).join('')).toContain('Seoul')
  })

  it('only sends messages', async () => {
    // Act
    const response = await fetch(`${stack.url}/route/tasks/t-1`, {
      headers: { authorization: `Bearer ${demo}`, 'a2a-version': '1.0' },
    })

    // Assess
    expect(response.status).toBe(400)
  })
})
