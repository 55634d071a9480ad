import { describe, expect, it } from 'vitest'
import { callSkill } from '../../../lib/backend/call-skill.ts'
import { backendCredentials } from '../../../lib/backend/credentials.ts'
import type { ForwardFetch } from '../../../lib/backend/forward.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { a2aCall } from '../../support/a2a-call.ts'

describe('a skill call’s answer', () => {
  it('is not passed on when its data, written back, passes what an answer carries', async () => {
    // Prepare: an agent answering with 2.5 MB of `1e20` in a data part: the skill's result
    // written back has each as 21 digits, some 11 MB
    const numbers = Array(500_000).fill('1e20').join(',')
    const text = `{"jsonrpc":"2.0","id":1,"result":{"message":{"messageId":"a","role":"ROLE_AGENT","parts":[{"data":{"x":[${numbers}]}}]}}}`
    const fetch: ForwardFetch = async () =>
      new Response(text, { headers: { 'content-type': 'application/json' } })
    const record = {
      agentId: 'calculator',
      auth: { type: 'none' },
      status: 'active',
      protocolVersion: '1.0',
      endpoints: { JSONRPC: 'http://calculator.test/rpc' },
      card: { skills: [{ id: 'add' }] },
    } as unknown as AgentRecord
    const call = {
      ...a2aCall({ operation: 'SendMessage', jsonRpcId: 9 }),
      skill: { id: 'add', params: {} },
    }

    // Act
    const answer = await callSkill(record, call, {
      timeoutMs: 5_000,
      credentials: backendCredentials({ secrets: { read: async () => '' }, fetch }),
      fetch,
      caller: 'client-1',
    })

    // Assess: the agent's invalid answer, not 11 MB passed on
    expect(answer.body.length).toBeLessThan(1000)
    expect(JSON.parse(answer.body).error).toMatchObject({ code: -32006 })
  })
})
