import { describe, expect, it } from 'vitest'
import { bodyText } from '../../../lib/backend/body.ts'
import type { ForwardFetch } from '../../../lib/backend/forward.ts'
import { forwardCall } from '../../../lib/backend/forward-call.ts'
import { BackendUnavailableError } from '../../../lib/errors.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { a2aCall } from '../../support/a2a-call.ts'
import { forwardOptionsWith } from '../../support/forward-options.ts'

describe('an extended card rewritten and signed', () => {
  it('is not passed on when, written back, it passes what an answer carries', async () => {
    // Prepare: an agent answering GetExtendedAgentCard with 2.5 MB of `1e20` in an extension's
    // params: the card written back has each as 21 digits, some 11 MB
    const numbers = Array(500_000).fill('1e20').join(',')
    const card = `{"name":"Weather","description":"d","version":"1","capabilities":{"extensions":[{"uri":"urn:x","params":{"x":[${numbers}]}}]},"skills":[]}`
    const fetch: ForwardFetch = async () =>
      new Response(card, { headers: { 'content-type': 'application/json' } })
    const record = {
      agentId: 'weather',
      auth: { type: 'none' },
      status: 'active',
      protocolVersion: '1.0',
      endpoints: { 'HTTP+JSON': 'http://weather.test/rest' },
      card: { skills: [] },
    } as unknown as AgentRecord

    // Act
    const answer = forwardCall(
      record,
      a2aCall({ operation: 'GetExtendedAgentCard', binding: 'HTTP+JSON', params: {} }),
      { method: 'GET', headers: {}, body: null },
      { ...forwardOptionsWith(fetch), onEnd: () => {} },
    ).then(async (forwarded) =>
      typeof forwarded.body === 'string' ? forwarded.body : bodyText(forwarded.body),
    )

    // Assess: the agent's failure (a 502 naming it), not 11 MB passed on
    await expect(answer).rejects.toThrow(BackendUnavailableError)
    await expect(answer).rejects.toThrow(/passes the 10485760 bytes an answer may carry/)
  })
})
