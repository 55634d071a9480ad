import { describe, expect, it } from 'vitest'
import { BackendUrlRejectedError } from '../../../lib/errors.ts'
import {
  checkAddresses,
  checkBackendUrl,
  embeddedIpv4,
  parseCidrs,
  ReservedAddressError,
} from '../../../lib/registry/backend-address.ts'

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
        aws({ 'agent.example.com': ['93.184.215.14'] }),
      ),
    ).resolves.toBeUndefined()
  })

  it('refuses plain http outside local mode', async () => {
    // Assess
    expect(
      await refusal('http://agent.example.com', aws({ 'agent.example.com': ['93.184.215.14'] })),
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
        aws({ 'mixed.example.com': ['93.184.215.14', '10.1.2.3'] }),
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

describe('address policy', () => {
  const refusedAs = (address: string, allowed: string[] = []) => {
    try {
      checkAddresses(address, [address], parseCidrs(allowed))
      return undefined
    } catch (error) {
      if (!(error instanceof ReservedAddressError)) throw error
      return error.kind
    }
  }

  it.each([
    // IPv4-embedding IPv6 forms of the metadata address read as the metadata address.
    ['64:ff9b::a9fe:a9fe', 'link-local (cloud metadata)'],
    ['64:ff9b::169.254.169.254', 'link-local (cloud metadata)'],
    ['64:ff9b:1:a9fe:a9:fe00::', 'link-local (cloud metadata)'],
    ['2002:a9fe:a9fe::1', 'link-local (cloud metadata)'],
    ['::169.254.169.254', 'link-local (cloud metadata)'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
    ['2001:0:a9fe:a9fe::1', 'link-local (cloud metadata)'],
    ['2001:0:808:808::5601:5601', 'link-local (cloud metadata)'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:0a00:0001::', 'private'],
    // The embedding forms themselves, with a public IPv4 address inside.
    ['64:ff9b::808:808', 'NAT64 (IPv4-embedding)'],
    ['64:ff9b:1:808:8:800::', 'local-use NAT64 (IPv4-embedding)'],
    ['2002:808:808::1', '6to4 (IPv4-embedding)'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated, IPv4-embedding)'],
    ['2001:0:808:808::f7f7:f7f7', 'Teredo (IPv4-embedding)'],
    // Multicast, broadcast and the other special-purpose ranges.
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.170', 'IETF protocol assignment'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.7', 'documentation'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['192.31.196.1', 'AS112 (DNS sink)'],
    ['192.52.193.1', 'AMT relay'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'multicast'],
    ['100::1', 'discard-only'],
    ['2001:2::1', 'IETF protocol assignment'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2620:4f:8000::1', 'AS112 (DNS sink)'],
    ['5f00::1', 'SRv6 segment identifier'],
    ['fd00::1', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local (deprecated)'],
  ])('refuses %s as %s', (address, kind) => {
    // Act
    const refused = refusedAs(address)

    // Assess
    expect(refused).toBe(kind)
  })

  it.each([['93.184.215.14'], ['8.8.8.8'], ['2606:4700::1111'], ['::ffff:8.8.8.8']])(
    'accepts the public address %s',
    (address) => {
      // Assess
      expect(refusedAs(address)).toBeUndefined()
    },
  )

  it('still refuses an allowed NAT64 prefix when the address inside it is the metadata address', () => {
    // Act
    const inside = refusedAs('64:ff9b::a9fe:a9fe', ['64:ff9b::/96'])
    const outside = refusedAs('64:ff9b::808:808', ['64:ff9b::/96'])

    // Assess
    expect([inside, outside]).toEqual(['link-local (cloud metadata)', undefined])
  })

  it('says which IPv4 address an embedding form carries', () => {
    // Act
    const error = (() => {
      try {
        checkAddresses('nat64.example.com', ['64:ff9b::a9fe:a9fe'], parseCidrs([]))
      } catch (caught) {
        return caught as ReservedAddressError
      }
    })()

    // Assess
    expect(error?.message).toBe(
      '169.254.169.254, embedded in 64:ff9b::a9fe:a9fe, is a link-local (cloud metadata) address (nat64.example.com resolves to 64:ff9b::a9fe:a9fe); an operator can allow it with BACKEND_ALLOWED_CIDRS',
    )
    expect(error?.callerReason).toBe(
      'a link-local (cloud metadata) address, which the gateway may not call',
    )
  })

  it.each([
    ['0.0.0.0', 'an unspecified address, which the gateway may not call'],
    [
      '::808:808',
      'an IPv4-compatible (deprecated, IPv4-embedding) address, which the gateway may not call',
    ],
    ['10.1.2.3', 'a private address, which the gateway may not call'],
  ])('names %s with the right article: %s', (address, reason) => {
    // Act
    const refused = (() => {
      try {
        checkAddresses(address, [address], parseCidrs([]))
      } catch (caught) {
        return caught as ReservedAddressError
      }
    })()

    // Assess
    expect(refused?.callerReason).toBe(reason)
    expect(refused?.message).toContain(
      ` is ${reason.replace(', which the gateway may not call', '')}`,
    )
  })

  it.each([
    ['64:ff9b::c0a8:101', ['192.168.1.1']],
    ['2002:c0a8:101::', ['192.168.1.1']],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', ['65.54.227.120', '192.0.2.45']],
    ['::ffff:10.0.0.1', []],
    ['::ffff:0:a9fe:a9fe', ['169.254.169.254']],
    ['2606:4700::1111', []],
  ])('reads the IPv4 addresses %s embeds', (address, expected) => {
    // Assess
    expect(embeddedIpv4(address)).toEqual(expected)
  })

  it('refuses the IPv4-translated (SIIT) form of the metadata address as the address itself, and of a public one for its own range', () => {
    // Act
    const refusedFor = (address: string) => {
      try {
        checkAddresses(address, [address], parseCidrs([]))
      } catch (caught) {
        return (caught as ReservedAddressError).message
      }
    }

    // Assess
    expect(refusedFor('::ffff:0:a9fe:a9fe')).toBe(
      '169.254.169.254, embedded in ::ffff:0:a9fe:a9fe, is a link-local (cloud metadata) address; an operator can allow it with BACKEND_ALLOWED_CIDRS',
    )
    expect(refusedFor('::ffff:0:808:808')).toMatch(
      /^::ffff:0:808:808 is an IPv4-translated \(IPv4-embedding\) address/,
    )
  })

  it('refuses a registration whose URL names a NAT64 form of the metadata address, as it refuses the address itself', async () => {
    // Act
    const embedded = await refusal('https://[64:ff9b::a9fe:a9fe]/', aws())
    const plain = await refusal('https://169.254.169.254/', aws())

    // Assess
    expect(embedded).toMatch(/is a link-local \(cloud metadata\) address/)
    expect(plain).toMatch(/is a link-local \(cloud metadata\) address/)
  })
})
