import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { startCalculatorAgent } from '../../../agents/calculator/agent.ts'
import { startWeatherAgent } from '../../../agents/weather/agent.ts'
import { clientFor, collectStream } from './support/client.ts'
import { textRequest } from './support/messages.ts'

/** Whether `port` can be listened on (true) or is still taken (false). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

describe('serving a sample agent', () => {
  it('listens on 127.0.0.1 and a free port by default, with the card under the base URL', async () => {
    // Act
    const agent = await startWeatherAgent()

    // Assess
    try {
      expect(agent.agentId).toBe('weather')
      expect(agent.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(agent.cardUrl).toBe(`${agent.url}/.well-known/agent-card.json`)
    } finally {
      await agent.close()
    }
  })

  it('rejects with an error naming the port when the port is taken', async () => {
    // Prepare
    const first = await startCalculatorAgent()
    const port = Number(new URL(first.url).port)

    // Act
    const second = startWeatherAgent({ port })

    // Assess
    try {
      await expect(second).rejects.toThrow(`port ${port}`)
    } finally {
      await first.close()
    }
  })

  it('frees its port on close, even with a client still connected', async () => {
    // Prepare
    const agent = await startCalculatorAgent()
    const port = Number(new URL(agent.url).port)
    const client = await clientFor(agent, 'JSONRPC')
    await collectStream(client, textRequest('1+1'))

    // Act
    await agent.close()

    // Assess
    expect(await portIsFree(port)).toBe(true)
  })

  it('can be started again on the port it freed', async () => {
    // Prepare
    const first = await startWeatherAgent()
    const port = Number(new URL(first.url).port)
    await first.close()

    // Act
    const second = await startWeatherAgent({ port })

    // Assess
    try {
      expect(second.url).toBe(`http://127.0.0.1:${port}`)
    } finally {
      await second.close()
    }
  })

  it('counts the requests of a whole conversation', async () => {
    // Prepare
    const agent = await startCalculatorAgent()

    // Act
    const client = await clientFor(agent, 'HTTP+JSON')
    await client.sendMessage(textRequest('2+2'))

    // Assess
    try {
      expect(agent.requestCount()).toBe(2) // the card, then message:send
    } finally {
      await agent.close()
    }
  })
})
