import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import { BackendUrlRejectedError } from '../errors.ts'

/**
 * Address ranges no backend may be in unless an operator allows them: every
 * entry of IANA's IPv4 and IPv6 special-purpose address registries, multicast
 * and the reserved 240.0.0.0/4 with the limited broadcast address. The most
 * specific range comes first, so an address is named by its narrowest kind.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are the IPv4 address they map
 * and are checked as such (BlockList matches them against IPv4 ranges).
 */
const reservedRanges: [network: string, prefix: number, kind: string][] = [
  // IPv4
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignment'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.31.196.0', 24, 'AS112 (DNS sink)'],
  ['192.52.193.0', 24, 'AMT relay'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['192.175.48.0', 24, 'AS112 (DNS sink)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved'],
  // IPv6
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible (deprecated, IPv4-embedding)'],
  // Not in IANA's registry (RFC 2765's SIIT, obsolete), but it carries an IPv4 address too.
  ['::ffff:0:0:0', 96, 'IPv4-translated (IPv4-embedding)'],
  ['64:ff9b::', 96, 'NAT64 (IPv4-embedding)'],
  ['64:ff9b:1::', 48, 'local-use NAT64 (IPv4-embedding)'],
  ['100::', 64, 'discard-only'],
  ['100:0:0:1::', 64, 'dummy prefix'],
  ['2001::', 32, 'Teredo (IPv4-embedding)'],
  ['2001::', 23, 'IETF protocol assignment'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4 (IPv4-embedding)'],
  ['2620:4f:8000::', 48, 'AS112 (DNS sink)'],
  ['3fff::', 20, 'documentation'],
  ['5f00::', 16, 'SRv6 segment identifier'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated)'],
  ['ff00::', 8, 'multicast'],
]

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4')

const rangeLists = reservedRanges.map(([network, prefix, kind]) => {
  const list = new BlockList()
  list.addSubnet(network, prefix, family(network))
  return { list, kind }
})

/** What kind of reserved address this is (`loopback`, `multicast`...), or undefined for a public one. */
export const reservedKind = (address: string): string | undefined =>
  rangeLists.find(({ list }) => list.check(address, family(address)))?.kind

/** The 16 bytes of an IPv6 address (a valid one, `isIP(address) === 6`). */
const ipv6Bytes = (address: string): Uint8Array => {
  const bytes = new Uint8Array(16)
  let text = address.replace(/%.*$/, '')
  // A trailing dotted quad is the last 32 bits.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (quad) {
    const [, a, b, c, d] = quad.map(Number)
    text = `${text.slice(0, quad.index)}${((a as number) * 256 + (b as number)).toString(16)}:${((c as number) * 256 + (d as number)).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const groupsOf = (part: string) =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16))
  const front = groupsOf(head)
  const back = tail === undefined ? [] : groupsOf(tail)
  const groups = [...front, ...new Array(8 - front.length - back.length).fill(0), ...back]
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8
    bytes[i * 2 + 1] = group & 0xff
  })
  return bytes
}

const ipv4At = (bytes: Uint8Array, ...at: number[]) => at.map((i) => bytes[i]).join('.')

const embeddingLists = {
  compatible: ['::', 96],
  translated: ['::ffff:0:0:0', 96],
  nat64: ['64:ff9b::', 96],
  localNat64: ['64:ff9b:1::', 48],
  sixToFour: ['2002::', 16],
  teredo: ['2001::', 32],
} as const

const embedding = Object.fromEntries(
  Object.entries(embeddingLists).map(([name, [network, prefix]]) => {
    const list = new BlockList()
    list.addSubnet(network, prefix, 'ipv6')
    return [name, list]
  }),
) as Record<keyof typeof embeddingLists, BlockList>

/**
 * The IPv4 addresses an IPv6 address of an IPv4-embedding form carries, which
 * is where a packet to it ends up: IPv4-compatible, IPv4-translated (SIIT) and NAT64
 * (RFC 6052) in their last 32 bits, local-use NAT64 /48 around the `u` octet, 6to4 in bits
 * 16-47, Teredo its server (bits 32-63) and its client (the last 32 bits, inverted).
 *
 * @example
 * embeddedIpv4('64:ff9b::a9fe:a9fe') // ['169.254.169.254']
 */
export const embeddedIpv4 = (address: string): string[] => {
  if (isIP(address) !== 6) return []
  const check = (list: BlockList) => list.check(address, 'ipv6')
  if (check(embedding.teredo)) {
    const bytes = ipv6Bytes(address)
    const client = bytes.slice(12).map((byte) => byte ^ 0xff)
    return [ipv4At(bytes, 4, 5, 6, 7), ipv4At(client, 0, 1, 2, 3)]
  }
  if (check(embedding.sixToFour)) return [ipv4At(ipv6Bytes(address), 2, 3, 4, 5)]
  if (check(embedding.localNat64)) return [ipv4At(ipv6Bytes(address), 6, 7, 9, 10)]
  if (check(embedding.nat64) || check(embedding.compatible) || check(embedding.translated)) {
    const bytes = ipv6Bytes(address)
    // :: and ::1 are themselves, not 0.0.0.0 and 0.0.0.1.
    return address === '::' || address === '::1' ? [] : [ipv4At(bytes, 12, 13, 14, 15)]
  }
  return []
}

/** A CIDR list from configuration, e.g. `10.1.0.0/16,::1/128`. */
export const parseCidrs = (cidrs: readonly string[]): BlockList => {
  const list = new BlockList()
  for (const cidr of cidrs) {
    const [network, prefix] = cidr.split('/')
    if (!network || !isIP(network) || prefix === undefined || !/^\d+$/.test(prefix)) {
      throw new Error(`not a CIDR block: ${cidr}`)
    }
    list.addSubnet(network, Number(prefix), family(network))
  }
  return list
}

export interface BackendAddressPolicy {
  /** `local` allows plain http (a laptop's agents); https only otherwise. */
  mode: 'aws' | 'local'
  /** Reserved addresses an operator has allowed (BACKEND_ALLOWED_CIDRS). */
  allowed: BlockList
  /** DNS resolution; every address a name resolves to is checked. */
  resolve?: (host: string) => Promise<string[]>
}

/** Every address a name resolves to, as the system resolver gives them. */
export const resolveAll = async (host: string): Promise<string[]> =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address)

/** A kind of address with its article: "an unspecified", "an IPv4-compatible", "a private". */
const articled = (kind: string) => `${/^([aeiou]|SRv6)/i.test(kind) ? 'an' : 'a'} ${kind}`

/**
 * A reserved address the policy does not allow: refused at registration
 * (checkBackendUrl) and again when the gateway connects (guardedFetch). The
 * message names the host and address, for an operator; `kind` alone is safe to
 * tell a caller.
 */
export class ReservedAddressError extends Error {
  /** Like a socket error's code, so whatever reads `cause.code` can tell it apart. */
  readonly code = 'ERESERVEDADDRESS'
  readonly host: string
  readonly address: string
  /** What the address is: `loopback`, `link-local (cloud metadata)`, `private`... */
  readonly kind: string
  /** Why, in words safe to tell a caller (no host, no address): "a loopback address, which …". */
  readonly callerReason: string
  /**
   * `embedded` is the reserved IPv4 address an IPv6 address carries (NAT64,
   * 6to4, Teredo...), when that is what was refused: the refusal reads as the
   * IPv4 address's would.
   */
  constructor(host: string, address: string, kind: string, embedded?: string) {
    const via = address === host ? '' : ` (${host} resolves to ${address})`
    const what = embedded ? `${embedded}, embedded in ${address},` : address
    super(
      `${what} is ${articled(kind)} address${via}; an operator can allow it with BACKEND_ALLOWED_CIDRS`,
    )
    this.name = 'ReservedAddressError'
    this.host = host
    this.address = address
    this.kind = kind
    this.callerReason = `${articled(kind)} address, which the gateway may not call`
  }
}

/**
 * Throws a ReservedAddressError for the first of a host's addresses that is
 * reserved and not allowed. An IPv6 address that embeds an IPv4 one is checked
 * on both: the IPv4 address first (so 64:ff9b::a9fe:a9fe is refused as
 * 169.254.169.254 is, even where an operator allowed 64:ff9b::/96), then its
 * own range. One rule for registration and connect time.
 *
 * @example
 * checkAddresses('agent.example.com', ['93.184.215.14'], parseCidrs([])) // passes
 * checkAddresses('evil.example.com', ['169.254.169.254'], parseCidrs([])) // throws
 */
export const checkAddresses = (
  host: string,
  addresses: readonly string[],
  allowed: BlockList,
): void => {
  const refusal = (address: string) => {
    const kind = reservedKind(address)
    return kind && !allowed.check(address, family(address)) ? kind : undefined
  }
  for (const address of addresses) {
    for (const embedded of embeddedIpv4(address)) {
      const kind = refusal(embedded)
      if (kind) throw new ReservedAddressError(host, address, kind, embedded)
    }
    const kind = refusal(address)
    if (kind) throw new ReservedAddressError(host, address, kind)
  }
}

/**
 * Refuses a backend URL the gateway must not call: plain http outside local
 * mode, or a host that is, or resolves to, a reserved address (loopback,
 * link-local (cloud metadata), private, multicast, any special-purpose range,
 * or an IPv6 form embedding one of those) not allowed by configuration. Checking resolved
 * addresses means a DNS name pointing at 169.254.169.254 is refused too; the
 * same check runs again on every connection (guardedFetch), so a name that
 * resolves elsewhere later is refused then.
 *
 * @example
 * await checkBackendUrl('backendUrl', 'https://agent.example.com', { mode: 'aws', allowed: parseCidrs([]) })
 */
export const checkBackendUrl = async (
  field: string,
  url: string,
  policy: BackendAddressPolicy,
): Promise<void> => {
  if (!URL.canParse(url)) throw new BackendUrlRejectedError(field, 'it is not a URL')
  const parsed = new URL(url)
  if (policy.mode !== 'local' && parsed.protocol !== 'https:') {
    throw new BackendUrlRejectedError(field, 'only https URLs are accepted outside local mode')
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  // Whether a host resolves, and to what, stays with the operator: a caller learns only "no".
  const refused = (reason: string) =>
    new BackendUrlRejectedError(
      field,
      reason,
      'its host does not resolve to an address the gateway may call',
    )
  let addresses: string[]
  try {
    addresses = isIP(host) ? [host] : await (policy.resolve ?? resolveAll)(host)
  } catch {
    throw refused(`the host ${host} does not resolve`)
  }
  if (addresses.length === 0) throw refused(`the host ${host} does not resolve`)
  try {
    checkAddresses(host, addresses, policy.allowed)
  } catch (error) {
    if (!(error instanceof ReservedAddressError)) throw error
    // An address the caller wrote itself may be named back; one a name resolved to may not.
    if (addresses[0] === host) {
      throw new BackendUrlRejectedError(field, error.message, `${host} is ${error.callerReason}`)
    }
    throw refused(error.message)
  }
}
