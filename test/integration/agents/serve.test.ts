import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { JSONRPC_PATH, REST_PATH } from '../../../agents/a2a/agent-card.ts'
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

  describe('a large message', () => {
    const message = (text: string) => ({
      message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
    })
    const post = (agent: { url: string }, path: string, body: unknown) =>
      fetch(`${agent.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'a2a-version': '1.0',
          'x-switchboard-caller': 'client-a',
        },
        body: JSON.stringify(body),
      })

    it('is taken as large as the gateway passes on, past the 100 KB of the SDK’s own parsers, on both bindings', async () => {
      // Prepare: 300 KB of text.
      const agent = await startWeatherAgent()
      const text = `Weather in Tokyo? ${'x'.repeat(300_000)}`

      try {
        // Act
        const [rpc, rest] = await Promise.all([
          post(agent, JSONRPC_PATH, {
            jsonrpc: '2.0',
            id: 1,
            method: 'SendMessage',
            params: message(text),
          }),
          post(agent, `${REST_PATH}/message:send`, message(text)),
        ])

        // Assess
        expect([rpc.status, rest.status]).toEqual([200, 200])
        expect((await rpc.json()).result.task.id).toEqual(expect.any(String))
        expect((await rest.json()).task.id).toEqual(expect.any(String))
      } finally {
        await agent.close()
      }
    })

    it('that is not JSON is answered as the SDK answers a small one that is not: a parse error in the binding’s shape', async () => {
      // Prepare: the same broken JSON, short and past 100 KB.
      const agent = await startWeatherAgent()
      const broken = (length: number) =>
        `{"jsonrpc": "2.0", "id": 1, "pad": "${'x'.repeat(length)}",`
      const send = (path: string, body: string) =>
        fetch(`${agent.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-switchboard-caller': 'client-a' },
          body,
        })

      try {
        // Act
        const answers = []
        for (const length of [10, 300_000]) {
          for (const path of [JSONRPC_PATH, `${REST_PATH}/message:send`]) {
            const response = await send(path, broken(length))
            answers.push({ path, length, status: response.status, body: await response.json() })
          }
        }

        // Assess: the long ones answered as the short ones are.
        const [rpcShort, restShort, rpcLong, restLong] = answers
        expect(rpcShort).toMatchObject({ status: 200, body: { error: { code: -32700 } } })
        expect(restShort).toMatchObject({
          status: 400,
          body: { error: { status: 'INVALID_ARGUMENT' } },
        })
        expect({ status: rpcLong?.status, body: rpcLong?.body }).toEqual({
          status: rpcShort?.status,
          body: rpcShort?.body,
        })
        expect(restLong?.status).toBe(400)
        expect(restLong?.body.error).toMatchObject({
          code: 400,
          status: 'INVALID_ARGUMENT',
          message: restShort?.body.error.message,
        })
      } finally {
        await agent.close()
      }
    })

    it('too large even so is refused in JSON, in its binding’s shape, showing no stack or path', async () => {
      // Prepare: past the 10 MB the agent takes.
      const agent = await startWeatherAgent()
      const text = 'x'.repeat(11 * 1024 * 1024)

      try {
        // Act
        const rpc = await post(agent, JSONRPC_PATH, {
          jsonrpc: '2.0',
          id: 1,
          method: 'SendMessage',
          params: message(text),
        })
        const rest = await post(agent, `${REST_PATH}/message:send`, message(text))
        const bodies = [await rpc.text(), await rest.text()]

        // Assess
        expect([rpc.status, rest.status]).toEqual([413, 413])
        expect(rpc.headers.get('content-type')).toMatch(/json/)
        expect(JSON.parse(bodies[0] as string)).toMatchObject({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: expect.stringContaining('too large') },
        })
        expect(JSON.parse(bodies[1] as string)).toMatchObject({
          error: { code: 413, message: expect.stringContaining('too large') },
        })
        for (const body of bodies) expect(body).not.toMatch(/node_modules|at \w+ \(/)
      } finally {
        await agent.close()
      }
    })
  })
})
