import { describe, expect, it } from 'vitest'
import { BackendUrlRejectedError } from '../../../lib/errors.ts'
import { checkBackendUrl, parseCidrs } from '../../../lib/registry/backend-address.ts'

const aws = (resolved: Record<string, string[]> = {}, allowed: string[] = []) => ({
  mode: 'aws' as const,
  allowed: parseCidrs(allowed),
  resolve: async (host: string) => {
    const addresses = resolved[host]
    if (!addresses) throw new Error('ENOTFOUND')
    return addresses
  },
})

const refusal = async (url: string, policy: ReturnType<typeof aws>) => {
  const error = await checkBackendUrl('backendUrl', url, policy).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(BackendUrlRejectedError)
  return (error as Error).message
}

describe('backend URL check', () => {
  it('accepts an https URL whose name resolves to public addresses', async () => {
    // Assess
    await expect(
      checkBackendUrl(
        'backendUrl',
        'https://agent.example.com/a2a',
        aws({ 'agent.example.com': ['203.0.113.7'] }),
      ),
    ).resolves.toBeUndefined()
  })

  it('refuses plain http outside local mode', async () => {
    // Assess
    expect(
      await refusal('http://agent.example.com', aws({ 'agent.example.com': ['203.0.113.7'] })),
    ).toBe('backendUrl is not allowed: only https URLs are accepted outside local mode.')
  })

  it.each([
    [
      'https://169.254.169.254/latest/meta-data',
      /169\.254\.169\.254 is a link-local \(cloud metadata\) address/,
    ],
    ['https://127.0.0.1:8443', /loopback/],
    ['https://[::1]/', /loopback/],
    ['https://[fe80::1]/', /link-local/],
    ['https://10.0.0.5', /private/],
    ['https://192.168.1.1', /private/],
    ['https://[::ffff:169.254.169.254]/', /link-local/],
    ['https://0x7f.1/', /loopback/],
  ])('refuses %s, saying why', async (url, reason) => {
    // Assess
    expect(await refusal(url, aws())).toMatch(reason)
  })

  it('refuses a name that resolves to a metadata address', async () => {
    // Act
    const message = await refusal(
      'https://innocent.example.com',
      aws({ 'innocent.example.com': ['169.254.169.254'] }),
    )

    // Assess
    expect(message).toMatch(/innocent\.example\.com resolves to 169\.254\.169\.254/)
  })

  it('refuses when any of several resolved addresses is reserved', async () => {
    // Assess
    expect(
      await refusal(
        'https://mixed.example.com',
        aws({ 'mixed.example.com': ['203.0.113.7', '10.1.2.3'] }),
      ),
    ).toMatch(/private/)
  })

  it('refuses a name that does not resolve', async () => {
    // Assess
    expect(await refusal('https://nowhere.invalid', aws())).toMatch(/does not resolve/)
  })

  it('accepts a private address an operator allowed', async () => {
    // Assess
    await expect(
      checkBackendUrl(
        'backendUrl',
        'https://agents.internal',
        aws({ 'agents.internal': ['10.1.2.3'] }, ['10.1.0.0/16']),
      ),
    ).resolves.toBeUndefined()
    expect(await refusal('https://10.2.0.1', aws({}, ['10.1.0.0/16']))).toMatch(/private/)
  })

  it('rejects a CIDR list it cannot read', () => {
    // Assess
    expect(() => parseCidrs(['10.0.0.0'])).toThrow(/not a CIDR block/)
  })
})

describe('backend URL check with the system resolver', () => {
  it('refuses a name that resolves to loopback outside local mode', async () => {
    // Act
    const error = await checkBackendUrl('backendUrl', 'https://localhost:8443', {
      mode: 'aws',
      allowed: parseCidrs([]),
    }).catch((caught: unknown) => caught)

    // Assess
    expect((error as Error).message).toMatch(/localhost resolves to (127\.0\.0\.1|::1)/)
  })
})
