import canonicalize from 'canonicalize'
import {
  base64url,
  decodeProtectedHeader,
  exportJWK,
  flattenedVerify,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { startMatrixAgent } from '../support/matrix-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

interface Signature {
  protected: string
  signature: string
  header?: Record<string, unknown>
}
type SignedCard = Record<string, unknown> & { signatures?: Signature[] }

/** What a card signature covers: RFC 8785 over the card without `signatures`. */
const payloadOf = (card: SignedCard) => {
  const { signatures: _signatures, ...rest } = card
  return base64url.encode(canonicalize(rest) as string)
}

/** Signs a card as an agent would: ES256 over its canonical form, its key at `jku`. */
const agentSigned = async (card: Record<string, unknown>, jku: string) => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid: 'agent-key-1', alg: 'ES256', use: 'sig' }
  const protectedHeader = base64url.encode(
    JSON.stringify({ alg: 'ES256', kid: 'agent-key-1', jku, typ: 'JOSE' }),
  )
  const signingInput = `${protectedHeader}.${payloadOf(card)}`
  const signature = new Uint8Array(
    await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      privateKey,
      new TextEncoder().encode(signingInput),
    ),
  )
  return {
    card: {
      ...card,
      signatures: [{ protected: protectedHeader, signature: base64url.encode(signature) }],
    },
    jwks: { keys: [jwk] },
  }
}

describe('signed agent cards through the local gateway', () => {
  let stack: RunningStack
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let matrix: Awaited<ReturnType<typeof startMatrixAgent>>
  let token: string
  let admin: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    backend = await startCardServer()
    const signed = await agentSigned(
      { ...validCard(backend.url), name: 'Signed', description: 'Translates Klingon poetry.' },
      backend.jwksUrl,
    )
    backend.serve(signed.card)
    backend.serveKeys(signed.jwks)
    matrix = await startMatrixAgent()
    await registerAgents(stack, [
      {
        agentId: 'signed',
        backendUrl: `${backend.url}/a2a/jsonrpc`,
        agentCardUrl: backend.cardUrl,
      },
      // Serves an extended card (GetExtendedAgentCard), which passes through the gateway.
      { agentId: 'matrix', backendUrl: matrix.url, agentCardUrl: matrix.cardUrl },
    ])
    await grantToDemoClient(['signed', 'matrix'])
    token = await stack.token('demo-client')
    admin = await stack.token('admin-client')
  })
  afterAll(async () => {
    await matrix.stop()
    await backend.stop()
    await stack.stop()
  })

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } })

  const cardFrom = {
    'the card route': async () =>
      (await get('/agents/signed/.well-known/agent-card.json')).json() as Promise<SignedCard>,
    'GET /agents': async () =>
      (
        (await (await get('/agents')).json()).agents as { agentId: string; card: SignedCard }[]
      ).find((agent) => agent.agentId === 'signed')?.card as SignedCard,
    '/search': async () => {
      const response = await fetch(`${stack.url}/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'translate Klingon poetry', topK: 10 }),
      })
      return ((await response.json()).results as { agentId: string; card: SignedCard }[]).find(
        (result) => result.agentId === 'signed',
      )?.card as SignedCard
    },
    'the /route router card': async () =>
      (await get('/route/.well-known/agent-card.json')).json() as Promise<SignedCard>,
    'the extended card over HTTP+JSON': async () =>
      (
        await get('/agents/matrix/extendedAgentCard', { 'a2a-version': '1.0' })
      ).json() as Promise<SignedCard>,
    'the extended card over JSON-RPC': async () => {
      const response = await fetch(`${stack.url}/agents/matrix`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetExtendedAgentCard', params: {} }),
      })
      return (await response.json()).result as SignedCard
    },
  }

  it.each(Object.keys(cardFrom) as (keyof typeof cardFrom)[])(
    "signs the card served through %s with the key the gateway's JWKS publishes, in place of the agent's",
    async (route) => {
      // Prepare: the JWKS needs no token.
      const jwksUrl = `${stack.url}/.well-known/agent-card-jwks.json`
      const published = await fetch(jwksUrl)
      expect(published.status).toBe(200)
      const jwks = (await published.json()) as { keys: JWK[] }

      // Act
      const card = await cardFrom[route]()

      // Assess
      expect(card.signatures).toHaveLength(1)
      const [signature] = card.signatures as [Signature]
      const header = decodeProtectedHeader(signature)
      expect(header).toMatchObject({ alg: 'ES256', jku: jwksUrl, typ: 'JOSE' })
      expect(header.kid).not.toBe('agent-key-1')
      const key = jwks.keys.find((candidate) => candidate.kid === header.kid) as JWK
      const verified = await flattenedVerify(
        { ...signature, payload: payloadOf(card) },
        await importJWK(key, 'ES256'),
      )
      expect(verified.protectedHeader?.kid).toBe(header.kid)
    },
  )

  it('registers an agent card signed by the agent (201)', async () => {
    // Prepare: the agent registered in beforeAll serves a card it signed.
    const response = await fetch(`${stack.url}/admin/agents/signed`, {
      headers: { authorization: `Bearer ${admin}` },
    })

    // Assess
    expect(response.status).toBe(200)
    expect((await response.json()).status).toBe('active')
  })

  it('refuses at registration a signed card changed after signing (422), naming the signature and why', async () => {
    // Prepare
    const other = await startCardServer()
    const signed = await agentSigned(validCard(other.url), other.jwksUrl)
    other.serve({ ...signed.card, description: 'Repeats what it is told, and moves money.' })
    other.serveKeys(signed.jwks)

    // Act
    const response = await fetch(`${stack.url}/admin/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        agentId: 'tampered',
        backendUrl: `${other.url}/a2a/jsonrpc`,
        agentCardUrl: other.cardUrl,
      }),
    })
    await other.stop()

    // Assess
    expect(response.status).toBe(422)
    const problem = await response.json()
    expect(problem.type).toMatch(/invalid-card-signature$/)
    expect(problem.problems).toEqual([
      expect.stringMatching(/^signatures\[0\]: it does not verify over the card's canonical form/),
    ])
    const record = await fetch(`${stack.url}/admin/agents/tampered`, {
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(record.status).toBe(404)
  })
})
