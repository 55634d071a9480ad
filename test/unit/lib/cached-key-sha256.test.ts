import { createHash, createHmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import { CachedKeySha256 } from '../../../lib/cached-key-sha256.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const text = (value: string) => new TextEncoder().encode(value)

describe('CachedKeySha256', () => {
  it('gives the SHA-256 and HMAC-SHA-256 Node gives, a key used again included', async () => {
    // Prepare
    const byteKey = new Uint8Array(createHash('sha256').update('key').digest())
    const digestOf = async (secret: string | Uint8Array | undefined, data: string) => {
      const hash = new CachedKeySha256(secret)
      hash.update(text(data))
      return hex(await hash.digest())
    }

    // Act
    const plain = await digestOf(undefined, 'body')
    const textKeyed = [await digestOf('secret', 'one'), await digestOf('secret', 'two')]
    const byteKeyed = [await digestOf(byteKey, 'one'), await digestOf(byteKey, 'two')]

    // Assess
    expect(plain).toBe(createHash('sha256').update('body').digest('hex'))
    expect(textKeyed).toEqual([
      createHmac('sha256', 'secret').update('one').digest('hex'),
      createHmac('sha256', 'secret').update('two').digest('hex'),
    ])
    expect(byteKeyed).toEqual([
      createHmac('sha256', byteKey).update('one').digest('hex'),
      createHmac('sha256', byteKey).update('two').digest('hex'),
    ])
  })

  it('signs as AWS’s published SigV4 test suite says (get-vanilla), twice in a row', async () => {
    // Prepare
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      region: 'us-east-1',
      service: 'service',
      sha256: CachedKeySha256,
      applyChecksum: false,
    })
    const request = () => ({
      method: 'GET',
      protocol: 'https:',
      hostname: 'example.amazonaws.com',
      path: '/',
      headers: { host: 'example.amazonaws.com' },
    })
    const signingDate = new Date('2015-08-30T12:36:00Z')

    // Act
    const signed = [
      await signer.sign(request(), { signingDate }),
      await signer.sign(request(), { signingDate }),
    ]

    // Assess
    for (const { headers } of signed) {
      expect(headers.authorization).toBe(
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      )
    }
  })
})
