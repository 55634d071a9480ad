import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import { BackendUrlRejectedError } from '../errors.ts'

/** Address ranges no backend may be in unless an operator allows them. */
const reservedRanges: [network: string, prefix: number, kind: string][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link-local'],
]

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4')

const rangeLists = reservedRanges.map(([network, prefix, kind]) => {
  const list = new BlockList()
  list.addSubnet(network, prefix, family(network))
  // The same IPv4 range reached as an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
  if (family(network) === 'ipv4') list.addSubnet(`::ffff:${network}`, 96 + prefix, 'ipv6')
  return { list, kind }
})

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
  constructor(host: string, address: string, kind: string) {
    const via = address === host ? '' : ` (${host} resolves to ${address})`
    super(
      `${address} is a ${kind} address${via}; an operator can allow it with BACKEND_ALLOWED_CIDRS`,
    )
    this.name = 'ReservedAddressError'
    this.host = host
    this.address = address
    this.kind = kind
    this.callerReason = `a ${kind} address, which the gateway may not call`
  }
}

/**
 * Throws a ReservedAddressError for the first of a host's addresses that is
 * reserved and not allowed. One rule for registration and connect time.
 *
 * @example
 * checkAddresses('agent.example.com', ['203.0.113.7'], parseCidrs([])) // passes
 * checkAddresses('evil.example.com', ['169.254.169.254'], parseCidrs([])) // throws
 */
export const checkAddresses = (
  host: string,
  addresses: readonly string[],
  allowed: BlockList,
): void => {
  for (const address of addresses) {
    const reserved = rangeLists.find(({ list }) => list.check(address, family(address)))
    if (reserved && !allowed.check(address, family(address))) {
      throw new ReservedAddressError(host, address, reserved.kind)
    }
  }
}

/**
 * Refuses a backend URL the gateway must not call: plain http outside local
 * mode, or a host that is, or resolves to, a loopback, link-local (cloud
 * metadata) or private address not allowed by configuration. Checking resolved
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
  const parsed = new URL(url)
  if (policy.mode !== 'local' && parsed.protocol !== 'https:') {
    throw new BackendUrlRejectedError(field, 'only https URLs are accepted outside local mode')
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  try {
    addresses = isIP(host) ? [host] : await (policy.resolve ?? resolveAll)(host)
  } catch {
    throw new BackendUrlRejectedError(field, `the host ${host} does not resolve`)
  }
  try {
    checkAddresses(host, addresses, policy.allowed)
  } catch (error) {
    if (error instanceof ReservedAddressError)
      throw new BackendUrlRejectedError(field, error.message)
    throw error
  }
}
