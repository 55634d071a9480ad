import { AgentCard } from '@a2a-js/sdk'
import { describe, expect, it } from 'vitest'
import type { AgentCardJson } from '../../../lib/a2a/agent-card.ts'
import { rewriteCard } from '../../../lib/a2a/card-rewrite.ts'

// Red team: rule 7 (docs/architecture.md, "No backend address in any card") reads a card's
// links under their JSON names only (`documentationUrl`, `iconUrl`, `securitySchemes`). A2A 1.0
// cards are ProtoJSON, and @a2a-js/sdk's `AgentCard.fromJSON`, which its card resolver runs on
// the gateway's cards (their security schemes are in proto form), takes a field under its proto
// name when the JSON name is absent, as rule 9 already says of requests. An agent's card that
// spells its links `documentation_url`, `icon_url` and `security_schemes` keeps them, signed, on
// every card route (rewriteCard is the one rewrite behind them all).

const backendHost = 'billing.internal'

/** A 1.0 card as a backend serves it, its links under their proto names. */
const card = {
  name: 'Billing',
  description: 'Invoices and refunds',
  version: '1.0.0',
  supportedInterfaces: [
    { url: `https://${backendHost}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
  ],
  capabilities: {},
  skills: [{ id: 'refund', name: 'Refund', description: 'Refunds an invoice', tags: [] }],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  documentation_url: `https://${backendHost}/docs`,
  icon_url: 'http://10.0.4.7/icon.png',
  security_schemes: {
    backend: {
      oauth2_security_scheme: {
        flows: {
          client_credentials: { token_url: `https://${backendHost}/oauth2/token`, scopes: {} },
        },
      },
    },
  },
} as unknown as AgentCardJson

const gateway = {
  agentUrl: 'https://gw.example.com/prod/agents/billing',
  tokenUrl: 'https://auth.example.com/oauth2/token',
  issuer: 'https://auth.example.com',
}

describe('a card whose links are spelled by their proto names', () => {
  it("is served with no URL on the agent's own host or network, under either name", () => {
    // Act
    const served = rewriteCard(card, gateway)

    // Assess
    const json = JSON.stringify(served)
    expect(json).not.toContain(backendHost)
    expect(json).not.toContain('10.0.4.7')
  })

  it("gives a client reading it with @a2a-js/sdk no documentation or icon link into the agent's network", () => {
    // Act
    const read = AgentCard.fromJSON(rewriteCard(card, gateway))

    // Assess
    expect(read.documentationUrl ?? '').not.toContain(backendHost)
    expect(read.iconUrl ?? '').not.toContain('10.0.4.7')
  })

  it('keeps a 0.3 card a 0.3 card when it carries a stray supported_interfaces, and drops that', () => {
    // Prepare
    const legacy = {
      name: 'Billing',
      description: 'Invoices and refunds',
      version: '1.0.0',
      protocolVersion: '0.3.0',
      url: `https://${backendHost}/a2a`,
      supported_interfaces: [{ url: `https://${backendHost}/a2a`, protocol_binding: 'JSONRPC' }],
      capabilities: {},
      skills: [],
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
    } as unknown as AgentCardJson

    // Act
    const served = rewriteCard(legacy, gateway) as unknown as Record<string, unknown>

    // Assess: 0.3's interface and security fields, none of 1.0's.
    expect(served.url).toBe(gateway.agentUrl)
    expect(served.security).toEqual([{ switchboard: [] }])
    expect(served).not.toHaveProperty('supported_interfaces')
    expect(served).not.toHaveProperty('supportedInterfaces')
    expect(served).not.toHaveProperty('securityRequirements')
  })
})
