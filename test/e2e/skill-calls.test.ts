import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningAgent } from '../../agents/serve.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'

describe('skill calls (method-driven JSON-RPC) through the local gateway', () => {
  let stack: RunningStack
  let demo: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    demo = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  const rpc = (agentId: string, method: string, params: unknown, token = demo) =>
    fetch(`${stack.url}/agents/${agentId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }),
    })
  const agent = (agentId: string) =>
    stack.agents.find((candidate) => candidate.agentId === agentId) as RunningAgent

  it("answers get_weather for Seoul with Seoul's typical weather as the result", async () => {
    // Act
    const response = await rpc('weather', 'get_weather', { location: 'Seoul' })

    // Assess
    expect(response.status).toBe(200)
    const { result, id } = await response.json()
    expect(id).toBe(1)
    expect(result).toMatchObject({ found: true, city: 'Seoul', country: 'South Korea' })
    expect(result.highC).toBeTypeOf('number')
  })

  it('answers calculate 2^10 with 1024', async () => {
    // Act
    const { result } = await (await rpc('calculator', 'calculate', { expression: '2^10' })).json()

    // Assess
    expect(result).toMatchObject({ expression: '2^10', result: 1024 })
  })

  it('answers a skill call whose params hold keys that differ only in case, the caller’s own data', async () => {
    // Act: `Expression` is no field of the skill's; the caller's data may hold it beside `expression`
    const response = await rpc('calculator', 'calculate', { expression: '2^10', Expression: '1' })

    // Assess
    expect(response.status).toBe(200)
    expect((await response.json()).result).toMatchObject({ expression: '2^10', result: 1024 })
  })

  it("returns the agent's own explanation as the error when the skill fails", async () => {
    // Act
    const { error } = await (await rpc('calculator', 'calculate', { expression: '2+*' })).json()

    // Assess
    expect(error.code).toBe(-32056)
    expect(error.message).toMatch(/2\+\*/)
  })

  it('answers -32601 for a method that is neither an operation nor a skill, without calling the agent', async () => {
    // Prepare
    const before = agent('weather').requestCount()

    // Act
    const { error } = await (await rpc('weather', 'get_stock_price', { symbol: 'ACME' })).json()

    // Assess
    expect(error).toMatchObject({ code: -32601 })
    expect(error.message).toBe(
      "'get_stock_price' is neither an A2A method nor a skill of agent 'weather'. Its skills: get_weather.",
    )
    expect(agent('weather').requestCount()).toBe(before)
  })

  it('refuses both skills with 403 to a caller granted only GetTask on those agents', async () => {
    // Prepare
    const readOnly = await stack.token('auditor-client')

    // Act
    const weather = await rpc('weather', 'get_weather', { location: 'Seoul' }, readOnly)
    const calculator = await rpc('calculator', 'calculate', { expression: '2^10' }, readOnly)

    // Assess
    expect([weather.status, calculator.status]).toEqual([403, 403])
    expect((await weather.json()).error.message).toBe(
      "Your grant for agent 'weather' does not include SendMessage.",
    )
  })
})
