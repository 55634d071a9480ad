import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { a2aVersionOf } from '../../../lib/a2a/versions.ts'
import { bodyText } from '../../../lib/backend/body.ts'
import { forwardCall } from '../../../lib/backend/forward-call.ts'
import { guardedFetch } from '../../../lib/backend/guarded-fetch.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { parseCidrs } from '../../../lib/registry/backend-address.ts'
import { a2aCall } from '../../support/a2a-call.ts'
import { forwardOptionsWith } from '../../support/forward-options.ts'
import { startScriptedAgent } from '../../support/scripted-agent.ts'

const message = { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: '6*7' }] }

describe('a 1.0 call sent without A2A-Version (or with it empty, or in two casings), on its way to a 1.0 agent', () => {
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>

  beforeAll(async () => {
    // As @a2a-js/sdk's server reads it: a header absent or empty is 0.3, which a 1.0 agent refuses
    agent = await startScriptedAgent({
      answer: (request, _body, response) => {
        const version = request.headers['a2a-version'] || '0.3'
        response.writeHead(version === '0.3' ? 400 : 200, { 'content-type': 'application/json' })
        response.end(
          version === '0.3'
            ? '{"error":{"code":400,"status":"FAILED_PRECONDITION","message":"version 0.3 not supported"}}'
            : `{"message":{"messageId":"a-1","role":"ROLE_AGENT","parts":[{"text":"6*7 = 42 (as ${version})"}]}}`,
        )
      },
    })
  })
  afterAll(async () => {
    await agent.stop()
  })

  /** An agent that serves `served` only, called by a JSON-RPC SendMessage with `headers`. */
  const send = async (served: 'JSONRPC' | 'HTTP+JSON', headers: Record<string, string>) => {
    const endpoints = { [served]: `${agent.url}${served === 'JSONRPC' ? '/rpc' : '/rest'}` }
    const record = {
      agentId: 'calculator',
      auth: { type: 'none' },
      status: 'active',
      protocolVersion: '1.0',
      endpoints,
    } as unknown as AgentRecord
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: { message },
    })
    const answer = await forwardCall(
      record,
      a2aCall({ operation: 'SendMessage', params: { message }, jsonRpcId: 1, body }),
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body },
      {
        ...forwardOptionsWith(guardedFetch({ allowed: parseCidrs(['127.0.0.0/8']) })),
        onEnd: () => {},
      },
    )
    return typeof answer.body === 'string' ? answer.body : bodyText(answer.body)
  }

  it('is answered by an agent that serves the other binding only (the call translated), not refused as 0.3', async () => {
    // Act
    const answer = await send('HTTP+JSON', {})

    // Assess
    expect(answer).toContain('6*7 = 42 (as 1.0)')
  })

  it.each([
    ['its own binding', 'JSONRPC'],
    ['the other binding', 'HTTP+JSON'],
  ] as const)(
    'is answered over %s when its A2A-Version is empty, which the gateway too reads as none',
    async (_binding, served) => {
      // Act
      const answer = await send(served, { 'A2A-Version': '' })

      // Assess
      expect(answer).toContain('6*7 = 42 (as 1.0)')
    },
  )

  it('goes to the agent with the A2A-Version the gateway read when the header comes in two casings', async () => {
    // Prepare: each casing a key of the event, as local/api-gateway-events.ts passes them
    const headers = { 'A2A-Version': '1.0', 'a2a-version': '0.3' }

    // Act
    const answer = await send('JSONRPC', headers)

    // Assess: the gateway read the first (a2aVersionOf, headerOf), and so does the agent
    expect(a2aVersionOf(headers)).toBe('1.0')
    expect(answer).toContain('6*7 = 42 (as 1.0)')
  })
})
