import { describe, expect, it } from 'vitest'
import { PayloadTooLargeError, UrlTooLongError } from '../../../lib/errors.ts'
import { envelopeBytes, memberBytes, withinRequestBound } from '../../../lib/http/request-bound.ts'

const limits = { maxRequestBytes: 1_000 }

describe('withinRequestBound', () => {
  it('refuses a request whose URL passes 8,000 bytes, the params a translation put there, whatever its body', () => {
    // Prepare
    const url = (bytes: number) => `https://agent.example/a2a/tasks?${'x'.repeat(bytes - 32)}`
    const how = { how: 'carried to HTTP+JSON for this agent', added: 0 }

    // Act
    const within = withinRequestBound({ url: url(8_000) }, limits, how)
    const past = () => withinRequestBound({ url: url(8_001) }, limits, how)

    // Assess
    expect(within.url).toHaveLength(8_000)
    expect(past).toThrow(UrlTooLongError)
    expect(past).toThrow(
      'The request, carried to HTTP+JSON for this agent, puts its params in a URL of 8,001 bytes, longer than the 8,000-byte limit a URL to an agent is held to; send shorter params.',
    )
  })

  it('lets a request written from one the gateway already grew past the limit grow by what it adds now', () => {
    // Prepare: a caller's 1,000 bytes given a 150-byte push callback, then a 60-byte envelope
    const fromCallback = 'x'.repeat(1_150)
    const enveloped = { body: 'x'.repeat(1_210) }

    // Act
    const held = withinRequestBound(enveloped, limits, {
      how: 'carried to JSONRPC for this agent',
      from: fromCallback,
      added: 60,
    })

    // Assess
    expect(held).toBe(enveloped)
  })

  it('refuses a request whose own content grew past the limit, naming what grew it and what the gateway added', () => {
    // Prepare: the caller's 900 bytes grown to 1,100, with 51 bytes of the gateway's own
    const grown = { body: 'x'.repeat(1_100) }

    // Act
    const holding = () =>
      withinRequestBound(grown, limits, {
        how: 'given a contextId for its AgentCore session',
        from: 'x'.repeat(900),
        added: 51,
      })

    // Assess
    expect(holding).toThrow(PayloadTooLargeError)
    expect(holding).toThrow(
      'The request, given a contextId for its AgentCore session, is 1100 bytes, larger than the 1000-byte limit a request is held to and the 51 bytes the gateway added to it; send a smaller one.',
    )
  })
})

describe('the bytes the gateway adds', () => {
  it('counts members as JSON writes them, leaving out one undefined', () => {
    // Act
    const bytes = memberBytes({ contextId: 'ctx-1', id: undefined })

    // Assess
    expect(bytes).toBe(Buffer.byteLength('"contextId":"ctx-1",'))
  })

  it('counts the envelope around what a body carries of the caller’s', () => {
    // Prepare
    const params = { message: { text: 'é' } }
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params })

    // Act
    const bytes = envelopeBytes(body, params)

    // Assess
    expect(bytes).toBe(
      Buffer.byteLength('{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":}'),
    )
  })
})
