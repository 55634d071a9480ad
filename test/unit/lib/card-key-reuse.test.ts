import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import canonicalize from 'canonicalize'
import { base64url, createLocalJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentCardJson } from '../../../lib/a2a/agent-card.ts'
import { rewriteCardAnswer } from '../../../lib/a2a/card-rewrite.ts'
import {
  type AgentCardSignature,
  cardJwks,
  cardJwksUrl,
  cardSigner,
} from '../../../lib/a2a/card-signer.ts'
import { deliveryJwt } from '../../../lib/push/delivery.ts'
import { FileGatewayKey } from '../../../lib/signing/file-gateway-key.ts'

// Red team: the gateway signs push deliveries (lib/push/delivery.ts) and the cards it serves
// (lib/a2a/card-signer.ts) with one key, published in one JWKS. docs/architecture.md (Push
// notifications) promises that "the `typ: JWT` header and the claims keep a delivery JWT from
// reading as a card signature and back". A card's content is the agent's (an extended card is
// whatever the agent answers, signed on every call), and the README tells a webhook to verify a
// delivery with the JWKS, `iss`, `aud` and `request_body_sha256`, none of which a card lacks if
// the agent writes them into it.

const gatewayUrl = 'https://gw.example.com/prod'
const webhookUrl = 'https://client.example.com/a2a/webhook'
const forgedBody =
  '{"statusUpdate":{"taskId":"task-of-client-a","status":{"state":"TASK_STATE_COMPLETED"}}}'

/** An extended card as an agent may answer GetExtendedAgentCard: a card, and the claims of a delivery JWT. */
const extendedCardAnswer = JSON.stringify({
  name: 'Billing',
  description: 'Invoices and refunds',
  version: '1.0.0',
  supportedInterfaces: [
    { url: 'https://billing.internal/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
  ],
  capabilities: {},
  skills: [],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  iss: gatewayUrl,
  aud: webhookUrl,
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 3600,
  jti: 'forged-1',
  delivery_id: 'delivery-of-client-a',
  taskId: 'task-of-client-a',
  request_body_sha256: createHash('sha256').update(forgedBody).digest('hex'),
})

/** A card signature and the card it covers, put together as a compact JWS. */
const compactJwsOf = (served: AgentCardJson): string => {
  const { signatures, ...unsigned } = served as AgentCardJson & { signatures: AgentCardSignature[] }
  const [signature] = signatures as [AgentCardSignature]
  const payload = base64url.encode(canonicalize(unsigned) as string)
  return `${signature.protected}.${payload}.${signature.signature}`
}

describe("the gateway's signing key, shared by cards and push deliveries", () => {
  let dir: string
  let key: FileGatewayKey
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'card-key-reuse-'))
    key = await FileGatewayKey.load(join(dir, 'card-signing-key.json'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it("does not let an agent's extended card, signed by the gateway, pass a webhook's delivery check", async () => {
    // Prepare: the extended card path of lib/backend/forward-call.ts, as one call runs it.
    const signCard = cardSigner(async () => key)
    const gateway = {
      agentUrl: `${gatewayUrl}/agents/billing`,
      tokenUrl: 'https://auth.example.com/oauth2/token',
    }

    // Act: the agent answers GetExtendedAgentCard; the gateway rewrites and signs the answer.
    const served = JSON.parse(
      String(
        await rewriteCardAnswer(extendedCardAnswer, 'HTTP+JSON', gateway, (card) =>
          signCard(card, cardJwksUrl(gatewayUrl)),
        ),
      ),
    ) as AgentCardJson
    const jwt = compactJwsOf(served)

    // Assess: the webhook's check, as the README states it (JWKS, iss, aud, the body's hash).
    const keys = createLocalJWKSet(await cardJwks(async () => key))
    const accepted = await jwtVerify(jwt, keys, { issuer: gatewayUrl, audience: webhookUrl }).then(
      ({ payload }) =>
        payload.request_body_sha256 === createHash('sha256').update(forgedBody).digest('hex'),
      () => false,
    )
    expect(accepted).toBe(false)
  })

  it("serves an agent's card with none of the claims a delivery JWT carries", async () => {
    // Prepare
    const signCard = cardSigner(async () => key)
    const gateway = {
      agentUrl: `${gatewayUrl}/agents/billing`,
      tokenUrl: 'https://auth.example.com/oauth2/token',
    }
    const delivery = await deliveryJwt(key, {
      issuer: gatewayUrl,
      webhookUrl,
      deliveryId: 'd-1',
      taskId: 'task-of-client-a',
      body: forgedBody,
      now: Date.now(),
    })
    const deliveryClaims = Object.keys(
      JSON.parse(new TextDecoder().decode(base64url.decode(delivery.split('.')[1] as string))),
    )

    // Act
    const served = JSON.parse(
      String(
        await rewriteCardAnswer(extendedCardAnswer, 'HTTP+JSON', gateway, (card) =>
          signCard(card, cardJwksUrl(gatewayUrl)),
        ),
      ),
    ) as Record<string, unknown>

    // Assess
    expect(deliveryClaims).toContain('delivery_id')
    expect(deliveryClaims.filter((claim) => claim in served)).toEqual([])
  })
})
