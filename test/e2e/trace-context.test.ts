import type { IncomingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { parseTraceparent } from '../../lib/observability/tracing.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

const message = { messageId: 'm-1', role: 'ROLE_AGENT', parts: [{ text: 'ok' }] }

describe('trace context to agents', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let token: string
  /** The headers of each request the agent was sent, in order. */
  const seen: IncomingHttpHeaders[] = []
  let written: string[] = []
  const logLevel = process.env.POWERTOOLS_LOG_LEVEL

  beforeAll(async () => {
    // npm start logs warnings only; the access line is INFO, as on Lambda.
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO'
    // Kept for the assertions, not printed (the registrations' lines too).
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    agent = await startScriptedAgent({
      answer: (request, body, response) => {
        seen.push(request.headers)
        if (request.url?.startsWith('/rest')) {
          response.writeHead(200, { 'content-type': 'application/json' })
          response.end(JSON.stringify({ message }))
          return
        }
        const { id, method } = JSON.parse(body) as { id: number; method: string }
        const answer = JSON.stringify({ jsonrpc: '2.0', id, result: { message } })
        if (method === 'SendStreamingMessage') {
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          response.end(`data: ${answer}\n\n`)
          return
        }
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(answer)
      },
    })
    await registerAgents(stack, [
      { agentId: 'traced', backendUrl: agent.url, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['traced'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await agent.stop()
    await stack.stop()
    if (logLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL
    else process.env.POWERTOOLS_LOG_LEVEL = logLevel
  })

  /**
   * The gateway's access lines of calls forwarded to `traced` since the last look (a stream's
   * comes at its end), and whether any `call forwarded` line was written beside them.
   */
  const forwardedLines = async () => {
    for (let i = 0; i < 250 && !written.join('').includes('"agentStatus"'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const lines = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    written = []
    return {
      access: lines.filter((line) => line.message === 'access' && line.agent === 'traced'),
      callForwarded: lines.filter((line) => line.message === 'call forwarded'),
    }
  }

  /** The trace ids of the access lines of calls forwarded to `traced` since the last look. */
  const forwardedTraceIds = async (): Promise<unknown[]> =>
    (await forwardedLines()).access.map((line) => line.traceId)

  const calls = {
    'a JSON-RPC call': (headers: Record<string, string> = {}) =>
      fetch(`${stack.url}/agents/traced`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
          ...headers,
        },
        body: JSON.stringify(jsonRpc('SendMessage', textMessageParams('hello'))),
      }),
    'an HTTP+JSON call': () =>
      fetch(`${stack.url}/agents/traced/message:send`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
        },
        body: JSON.stringify(textMessageParams('hello')),
      }),
    'a stream': () =>
      postA2A(
        `${stack.url}/agents/traced`,
        token,
        jsonRpc('SendStreamingMessage', textMessageParams('hello')),
      ),
  }

  it.each(Object.keys(calls) as (keyof typeof calls)[])(
    'sends the agent a traceparent on %s whose trace id is on the call’s one log line, the access line, with the agent’s status',
    async (kind) => {
      // Prepare
      seen.length = 0
      written = []

      // Act
      const response = await calls[kind]()
      await response.text()

      // Assess
      expect(response.status).toBe(200)
      expect(seen).toHaveLength(1)
      const traceparent = parseTraceparent(seen[0]?.traceparent as string | undefined)
      expect(traceparent, String(seen[0]?.traceparent)).toBeDefined()
      const { access, callForwarded } = await forwardedLines()
      expect(access).toEqual([
        expect.objectContaining({
          traceId: traceparent?.traceId,
          agent: 'traced',
          status: 200,
          agentStatus: 200,
          agentMs: expect.any(Number),
        }),
      ])
      if (kind === 'a stream') {
        expect(access[0]).toMatchObject({
          operation: 'SendStreamingMessage',
          chunks: expect.any(Number),
        })
      }
      expect(callForwarded).toEqual([])
      expect(seen[0]?.tracestate).toBeUndefined()
    },
  )

  it('keeps the caller’s trace and tracestate, the gateway’s span the parent the agent sees', async () => {
    // Prepare
    seen.length = 0
    written = []
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
    const callerSpan = '00f067aa0ba902b7'

    // Act
    const response = await calls['a JSON-RPC call']({
      traceparent: `00-${callerTrace}-${callerSpan}-01`,
      tracestate: 'caller=1',
    })
    await response.text()

    // Assess
    expect(response.status).toBe(200)
    const traceparent = parseTraceparent(seen[0]?.traceparent as string | undefined)
    expect(traceparent?.traceId).toBe(callerTrace)
    expect(traceparent?.parentId).toMatch(/^[0-9a-f]{16}$/)
    expect(traceparent?.parentId).not.toBe(callerSpan)
    expect(traceparent?.flags).toBe('01')
    expect(seen[0]?.tracestate).toBe('caller=1')
    expect(await forwardedTraceIds()).toEqual([callerTrace])
  })

  it('ignores an invalid caller traceparent: the call goes on, in a trace of the gateway’s own', async () => {
    // Prepare
    seen.length = 0
    written = []

    // Act
    const response = await calls['a JSON-RPC call']({
      traceparent: '00-not-a-trace-01',
      tracestate: 'caller=1',
    })
    await response.text()

    // Assess
    expect(response.status).toBe(200)
    const traceparent = parseTraceparent(seen[0]?.traceparent as string | undefined)
    expect(traceparent).toBeDefined()
    expect(seen[0]?.tracestate).toBeUndefined()
    expect(await forwardedTraceIds()).toEqual([traceparent?.traceId])
  })
})
