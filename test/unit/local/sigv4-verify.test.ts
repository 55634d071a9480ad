import { describe, expect, it } from 'vitest'
import { signAwsRequest } from '../../../lib/backend/auth/aws-iam.ts'
import { localAwsCredentials } from '../../../local/sigv4-function-url.ts'
import { verifySigV4 } from '../../../local/sigv4-verify.ts'

const now = Date.parse('2026-01-02T03:04:05Z')
const expected = {
  credentials: localAwsCredentials,
  region: 'us-east-1',
  service: 'lambda',
  now: () => now,
}
const body = new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"SendMessage"}')

/** A request signed as the gateway signs one, as the stand-in would receive it. */
const received = async (
  target: { service: string; region: string },
  options: { contentHash?: boolean; path?: string } = {},
) => {
  const signed = await signAwsRequest(
    {
      method: 'POST',
      url: `http://127.0.0.1:4002${options.path ?? '/a2a/rest/tasks/t-1:cancel?tenant=a%2Fb'}`,
      headers: { 'content-type': 'application/json' },
      body,
    },
    target,
    { credentials: localAwsCredentials, now: () => now, contentHash: options.contentHash ?? true },
  )
  return {
    method: 'POST',
    target: options.path ?? '/a2a/rest/tasks/t-1:cancel?tenant=a%2Fb',
    headers: { ...signed.headers, host: '127.0.0.1:4002' },
    body: Buffer.from(body),
  }
}

describe('the SigV4 stand-in’s check', () => {
  it('accepts a request the gateway signed, path and query as sent', async () => {
    // Act
    const refused = await verifySigV4(
      await received({ service: 'lambda', region: 'us-east-1' }),
      expected,
    )

    // Assess
    expect(refused).toBeUndefined()
  })

  it('refuses a signature scoped to another region or service, as AWS words it', async () => {
    // Act
    const region = await verifySigV4(
      await received({ service: 'lambda', region: 'eu-west-1' }),
      expected,
    )
    const service = await verifySigV4(
      await received({ service: 'bedrock-agentcore', region: 'us-east-1' }),
      expected,
    )

    // Assess
    expect(region?.body.message).toBe(
      "Credential should be scoped to a valid region, not 'eu-west-1'.",
    )
    expect(service?.body.message).toBe("Credential should be scoped to correct service: 'lambda'.")
  })

  it('refuses a body whose hash is not signed in x-amz-content-sha256', async () => {
    // Act
    const refused = await verifySigV4(
      await received({ service: 'lambda', region: 'us-east-1' }, { contentHash: false }),
      expected,
    )

    // Assess
    expect(refused?.status).toBe(403)
    expect(refused?.body.message).toMatch(/x-amz-content-sha256/)
  })

  it('refuses a request whose path was changed after signing', async () => {
    // Prepare
    const request = await received({ service: 'lambda', region: 'us-east-1' })

    // Act
    const refused = await verifySigV4(
      { ...request, target: '/a2a/rest/tasks/t-2:cancel' },
      expected,
    )

    // Assess
    expect(refused?.errorType).toBe('InvalidSignatureException')
    expect(refused?.body.message).toMatch(/^The request signature we calculated does not match/)
  })
})
