import { describe, expect, it } from 'vitest'
import { signAwsRequest } from '../../../lib/backend/auth/aws-iam.ts'

/*
 * AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite), as
 * transcribed in smithy-lang/smithy-typescript,
 * packages/signature-v4/src/suite.fixture.ts: credentials AKIDEXAMPLE, signing
 * time 20150830T123600Z, region us-east-1, service `service`. Inputs and
 * expected signatures are copied here as literals; the suite signs without
 * x-amz-content-sha256, so these cases do too (contentHash: false).
 */
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}
const signingTime = Date.parse('2015-08-30T12:36:00Z')
const suite = { service: 'service', region: 'us-east-1' }
const scope = 'Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request'

const cases: {
  name: string
  method: string
  url: string
  headers?: Record<string, string>
  body?: string
  sessionToken?: string
  signedHeaders: string
  signature: string
}[] = [
  {
    name: 'get-vanilla',
    method: 'GET',
    url: 'https://example.amazonaws.com/',
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-utf8-query',
    method: 'GET',
    url: 'https://example.amazonaws.com/?%E1%88%B4=bar',
    signedHeaders: 'host;x-amz-date',
    signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
  },
  {
    name: 'get-header-value-trim',
    method: 'GET',
    url: 'https://example.amazonaws.com/',
    headers: { 'my-header1': 'value1', 'my-header2': '"a   b   c"' },
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  {
    name: 'post-vanilla',
    method: 'POST',
    url: 'https://example.amazonaws.com/',
    signedHeaders: 'host;x-amz-date',
    signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
  },
  {
    name: 'post-vanilla-query',
    method: 'POST',
    url: 'https://example.amazonaws.com/?Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
  },
  {
    name: 'post-vanilla-query-nonunreserved',
    method: 'POST',
    url: 'https://example.amazonaws.com/?%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D',
    signedHeaders: 'host;x-amz-date',
    signature: '66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e',
  },
  {
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    url: 'https://example.amazonaws.com/',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Param1=value1',
    signedHeaders: 'content-type;host;x-amz-date',
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    name: 'post-x-www-form-urlencoded-parameters',
    method: 'POST',
    url: 'https://example.amazonaws.com/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf8' },
    body: 'Param1=value1',
    signedHeaders: 'content-type;host;x-amz-date',
    signature: '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe',
  },
  {
    name: 'post-sts-header-before',
    method: 'POST',
    url: 'https://example.amazonaws.com/',
    sessionToken:
      'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==',
    signedHeaders: 'host;x-amz-date;x-amz-security-token',
    signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
  },
]

describe('SigV4 signing against AWS’s published test suite', () => {
  it.each(cases)('signs $name with the published signature', async (test) => {
    // Prepare
    const request = {
      method: test.method,
      url: test.url,
      headers: test.headers ?? {},
      body: test.body === undefined ? undefined : new TextEncoder().encode(test.body),
    }

    // Act
    const signed = await signAwsRequest(request, suite, {
      credentials: {
        ...credentials,
        ...(test.sessionToken ? { sessionToken: test.sessionToken } : {}),
      },
      now: () => signingTime,
      contentHash: false,
    })

    // Assess
    expect(signed.headers.authorization).toBe(
      `AWS4-HMAC-SHA256 ${scope}, SignedHeaders=${test.signedHeaders}, Signature=${test.signature}`,
    )
    expect(signed.headers['x-amz-date']).toBe('20150830T123600Z')
  })

  it('signs the SHA-256 of the exact body bytes as x-amz-content-sha256 for a function URL', async () => {
    // Prepare
    const body = new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"SendMessage"}')
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', body)).toString('hex')

    // Act
    const signed = await signAwsRequest(
      { method: 'POST', url: 'https://abc.lambda-url.us-east-1.on.aws/a2a', headers: {}, body },
      { service: 'lambda', region: 'us-east-1' },
      { credentials, now: () => signingTime },
    )

    // Assess
    expect(signed.headers['x-amz-content-sha256']).toBe(digest)
    expect(signed.headers.authorization).toContain(
      'SignedHeaders=host;x-amz-content-sha256;x-amz-date,',
    )
    expect(signed.headers.authorization).toContain('/us-east-1/lambda/aws4_request')
    expect(signed.body).toBe(body)
  })
})
