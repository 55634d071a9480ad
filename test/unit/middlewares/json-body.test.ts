import { gzipSync } from 'node:zlib'
import middy from '@middy/core'
import { describe, expect, it } from 'vitest'
import {
  errorAnswerOf,
  InvalidJsonBodyError,
  UnsupportedContentEncodingError,
} from '../../../lib/errors.ts'
import { jsonBody } from '../../../middlewares/json-body.ts'
import { invoke } from '../../support/events.ts'

const bodySeen = () =>
  middy<{ body?: unknown }>()
    .use(jsonBody())
    .handler(async (event) => event.body)

describe('jsonBody middleware', () => {
  it('parses a JSON body whatever Content-Type it came with', async () => {
    // Act
    const body = await invoke(bodySeen(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '{"agentId":"forecast"}',
    })

    // Assess
    expect(body).toEqual({ agentId: 'forecast' })
  })

  it('decodes a base64-encoded body, as API Gateway passes a content type it takes for binary', async () => {
    // Act
    const body = await invoke(bodySeen(), {
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from('{"agentId":"forecast"}').toString('base64'),
      isBase64Encoded: true,
    })

    // Assess
    expect(body).toEqual({ agentId: 'forecast' })
  })

  it('leaves a request without a body as it is', async () => {
    // Act
    const bodies = await Promise.all([
      invoke(bodySeen(), { body: null }),
      invoke(bodySeen(), { body: '' }),
    ])

    // Assess
    expect(bodies).toEqual([null, ''])
  })

  it('refuses a body that is not JSON with an error quoting the parser', async () => {
    // Act
    const error = await invoke(bodySeen(), { body: 'agentId=forecast' }).catch(
      (caught: unknown) => caught,
    )

    // Assess
    expect(error).toBeInstanceOf(InvalidJsonBodyError)
    expect((error as Error).message).toMatch(
      /^The request body must be a JSON document and is not: Unexpected token/,
    )
  })

  it.each([['gzip'], ['Deflate']])(
    'refuses a body sent with Content-Encoding: %s as a 415 saying to send it uncompressed',
    async (coding) => {
      // Act
      const error = await invoke(bodySeen(), {
        headers: { 'Content-Encoding': coding, 'content-type': 'application/json' },
        body: gzipSync('{"agentId":"forecast"}').toString('latin1'),
      }).catch((caught: unknown) => caught)

      // Assess
      expect(error).toBeInstanceOf(UnsupportedContentEncodingError)
      expect((error as Error).message).toBe(
        `Unsupported Content-Encoding "${coding}": send the body uncompressed.`,
      )
      expect(errorAnswerOf(error as UnsupportedContentEncodingError).status).toBe(415)
    },
  )

  it('reads a JSON body that says gzip, as API Gateway hands on one it decompressed', async () => {
    // Act
    const body = await invoke(bodySeen(), {
      headers: { 'content-encoding': 'gzip' },
      body: '{"agentId":"forecast"}',
    })

    // Assess
    expect(body).toEqual({ agentId: 'forecast' })
  })

  it('reads a body sent with Content-Encoding: identity, which is no encoding', async () => {
    // Act
    const body = await invoke(bodySeen(), {
      headers: { 'content-encoding': 'identity' },
      body: '{"agentId":"forecast"}',
    })

    // Assess
    expect(body).toEqual({ agentId: 'forecast' })
  })

  it('leaves a body an earlier middleware already parsed as it is', async () => {
    // Act
    const body = await invoke(bodySeen(), { body: { agentId: 'forecast' } })

    // Assess
    expect(body).toEqual({ agentId: 'forecast' })
  })

  it('refuses a base64-encoded body that is not JSON once decoded', async () => {
    // Act
    const answer = invoke(bodySeen(), {
      body: Buffer.from('agentId=forecast').toString('base64'),
      isBase64Encoded: true,
    })

    // Assess
    await expect(answer).rejects.toThrow(InvalidJsonBodyError)
  })

  it('leaves an empty body as it is', async () => {
    // Act
    const body = await invoke(bodySeen(), { body: '' })

    // Assess
    expect(body).toBe('')
  })
})
