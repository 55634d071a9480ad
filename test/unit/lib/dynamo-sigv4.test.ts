import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { AwsCredentialIdentity } from '@smithy/types'
import { describe, expect, it } from 'vitest'
import { dynamoSigner } from '../../../lib/dynamo-sigv4.ts'

const region = 'eu-west-1'

/** The headers the SDK's own signer gives the same request (its default applyChecksum, as the SDK's client). */
const sdkSigned = async (
  url: URL,
  credentials: AwsCredentialIdentity,
  target: string,
  body: string,
  signingDate: Date,
) => {
  const signer = new SignatureV4({
    service: 'dynamodb',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
  })
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': target,
      },
      body,
    },
    { signingDate },
  )
  return signed.headers
}

const plain = { accessKeyId: 'AKIDPLAIN', secretAccessKey: 'plain/secret+key' }
const session = {
  accessKeyId: 'ASIASESSION',
  secretAccessKey: 'session secret',
  sessionToken: ' token with  spaces\tand a tab ',
}

describe('SigV4 for the lean DynamoDB path', () => {
  it.each([
    [
      'long-term credentials, the regional endpoint',
      plain,
      'https://dynamodb.eu-west-1.amazonaws.com/',
    ],
    ['session credentials, a local endpoint with a port', session, 'http://127.0.0.1:8000/'],
    [
      'a path with an escaped character, escaped again',
      plain,
      'http://localhost:4566/prefix/c d(1)/',
    ],
  ])('gives the headers the SDK’s signer gives: %s', async (_, credentials, endpoint) => {
    // Prepare
    const url = new URL(endpoint)
    const signer = dynamoSigner({ host: url.host, path: url.pathname, region, credentials })
    const body = JSON.stringify({ TableName: 't', Key: { pk: { S: 'ünïcode#✓' } } })
    const signingDate = new Date('2026-12-05T00:25:07.891Z')

    // Act
    const lean = await signer.sign('DynamoDB_20120810.GetItem', body, signingDate)

    // Assess
    expect(lean).toEqual(
      await sdkSigned(url, credentials, 'DynamoDB_20120810.GetItem', body, signingDate),
    )
  })

  it('signs with the credentials the provider gives at each request, and a new day’s key after midnight', async () => {
    // Prepare
    const url = new URL('http://127.0.0.1:8000/')
    const given = [plain, plain, session]
    const provided: AwsCredentialIdentity[] = []
    const signer = dynamoSigner({
      host: url.host,
      path: url.pathname,
      region,
      credentials: async () => {
        const next = given[provided.length] as AwsCredentialIdentity
        provided.push(next)
        return next
      },
    })
    const dates = [
      '2026-12-05T23:59:59.000Z',
      '2026-12-06T00:00:00.000Z',
      '2026-12-06T00:00:01.000Z',
    ]
    const body = '{"TableName":"t"}'

    // Act
    const signed = []
    for (const date of dates)
      signed.push(await signer.sign('DynamoDB_20120810.PutItem', body, new Date(date)))

    // Assess
    expect(provided).toEqual(given)
    for (const [index, date] of dates.entries()) {
      expect(signed[index]).toEqual(
        await sdkSigned(
          url,
          given[index] as AwsCredentialIdentity,
          'DynamoDB_20120810.PutItem',
          body,
          new Date(date),
        ),
      )
    }
  })

  it('refuses credentials without a secret, as the SDK’s signer does', async () => {
    // Prepare
    const signer = dynamoSigner({
      host: 'localhost',
      path: '/',
      region,
      credentials: { accessKeyId: 'AKID' } as AwsCredentialIdentity,
    })

    // Act
    const signing = signer.sign('DynamoDB_20120810.GetItem', '{}', new Date())

    // Assess
    await expect(signing).rejects.toThrow('Resolved credential object is not valid')
  })
})
