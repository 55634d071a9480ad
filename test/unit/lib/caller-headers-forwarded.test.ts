import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { A2ACall } from '../../../lib/a2a/request.ts'
import { forwardReported } from '../../../lib/agents/forward.ts'
import { guardedFetch } from '../../../lib/backend/guarded-fetch.ts'
import { callRecorder, type ForwardReport } from '../../../lib/observability/call-recorder.ts'
import type { MetricsSink, MetricValues } from '../../../lib/observability/metrics.ts'
import { createTracing, requestTraceContext } from '../../../lib/observability/tracing.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { parseCidrs } from '../../../lib/registry/backend-address.ts'
import { forwardOptionsWith } from '../../support/forward-options.ts'
import { startScriptedAgent } from '../../support/scripted-agent.ts'

const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
const traceparent = `00-${callerTrace}-00f067aa0ba902b7-01`
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} })
const call: A2ACall = {
  agentId: 'weather',
  operation: 'SendMessage',
  version: '1.0',
  params: {},
  stream: false,
  binding: 'JSONRPC',
  jsonRpcId: 1,
  body,
}

describe('a caller’s headers on their way to the agent', () => {
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  const reached: (string | undefined)[] = []

  beforeAll(async () => {
    agent = await startScriptedAgent({
      answer: (request, _body, response) => {
        reached.push(request.headers.tracestate as string | undefined)
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end('{"jsonrpc":"2.0","id":1,"result":{}}')
      },
    })
  })
  afterAll(async () => {
    await agent.stop()
  })

  /** The agents handler's forward of one call, through the guarded fetch the gateway calls agents with. */
  const forward = async (callerHeaders: Record<string, string>, tracestate = 'vendor=abc') => {
    const fetch = guardedFetch({ allowed: parseCidrs(['127.0.0.0/8']) })
    const record = {
      agentId: 'weather',
      backendUrl: `${agent.url}/rpc`,
      agentCardUrl: agent.cardUrl,
      auth: { type: 'none' },
      status: 'active',
      card: { name: 'Weather', skills: [] },
      protocolVersion: '1.0',
      endpoints: { JSONRPC: `${agent.url}/rpc` },
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    } as unknown as AgentRecord
    const recorded: MetricValues[] = []
    const sink: MetricsSink = { record: (values) => recorded.push(values) }
    const report: ForwardReport = {}
    const trace = requestTraceContext({ traceparent, tracestate }, undefined)
    reached.length = 0
    const answer = await forwardReported(
      record,
      call,
      { method: 'POST', headers: { 'content-type': 'application/json', ...callerHeaders }, body },
      forwardOptionsWith(fetch),
      { context: trace, tracing: await createTracing(false) },
      callRecorder(sink, { agentId: 'weather', operation: 'SendMessage', stream: false }, report),
    ).catch((error: unknown) => ({ failed: error }))
    return { trace, answer, recorded }
  }

  it.each([
    ['a DEL character', 'vendor=a\x7fb', undefined],
    ['a character beyond Latin-1', 'vendor=caf\u20ac', undefined],
    ['an ideographic space between members', 'a=b,\u3000c=d', 'a=b'],
  ])(
    'drops a tracestate member holding %s (not W3C tracestate) instead of failing the call as the agent’s 502',
    async (_what, tracestate, passed) => {
      // Act
      const { trace, answer, recorded } = await forward({}, tracestate)

      // Assess: the caller's trace is continued, the call reaches the healthy agent, and it is not
      // counted as the agent failing.
      expect(trace.traceId).toBe(callerTrace)
      expect(answer).toMatchObject({ statusCode: 200 })
      expect(reached).toEqual([passed])
      expect(recorded[0]?.CallFailures).toBeUndefined()
    },
  )

  it.each([
    ['a2a-extensions', 'https://ext.test/caf\u20ac'],
    ['accept', 'application/json\x7f'],
  ])(
    'leaves out a caller’s %s header Node cannot send, rather than failing the call as the agent’s 502',
    async (name, value) => {
      // Act
      const { answer, recorded } = await forward({ [name]: value })

      // Assess
      expect(answer).toMatchObject({ statusCode: 200 })
      expect(recorded[0]?.CallFailures).toBeUndefined()
    },
  )
})
