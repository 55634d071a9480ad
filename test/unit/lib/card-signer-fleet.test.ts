import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentCardJson } from '../../../lib/a2a/agent-card.ts'
import { cardSigner } from '../../../lib/a2a/card-signer.ts'
import { FileGatewayKey } from '../../../lib/signing/file-gateway-key.ts'
import type { GatewayKey } from '../../../lib/signing/gateway-key.ts'

/** A fleet past a thousand agents: a company's whole catalog, listed by GET /agents or the console. */
const fleetSize = 1500

const cardOf = (i: number): AgentCardJson => ({
  name: `Agent ${i}`,
  description: 'Answers questions about one part of the business',
  version: '1.0.0',
  supportedInterfaces: [
    {
      url: `https://gw.example.com/prod/agents/agent-${i}`,
      protocolBinding: 'JSONRPC',
      protocolVersion: '1.0',
    },
  ],
  capabilities: {},
  skills: [],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
})

describe('card signatures for a fleet', () => {
  let dir: string
  let key: FileGatewayKey
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'card-signer-fleet-'))
    key = await FileGatewayKey.load(join(dir, 'card-signing-key.json'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('signs each card of a 1,500-agent fleet once, however often the whole fleet is listed (each signature a KMS Sign call on AWS)', async () => {
    // Prepare: the gateway's key, each signature it makes counted
    let signed = 0
    const counted: GatewayKey = {
      kid: key.kid,
      alg: key.alg,
      sign: (data) => {
        signed++
        return key.sign(data)
      },
      publicJwk: () => key.publicJwk(),
    }
    const signCard = cardSigner(async () => counted)
    const jwksUrl = 'https://gw.example.com/prod/.well-known/agent-card-jwks.json'
    const cards = Array.from({ length: fleetSize }, (_, i) => cardOf(i))

    // Act: the whole fleet listed three times, a page of 50 cards at a time
    for (let listing = 0; listing < 3; listing++) {
      for (let page = 0; page < cards.length; page += 50) {
        await Promise.all(cards.slice(page, page + 50).map((card) => signCard(card, jwksUrl)))
      }
    }

    // Assess
    expect(signed).toBe(fleetSize)
  })
})
