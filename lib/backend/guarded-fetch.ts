import type { LookupAddress, LookupOptions } from 'node:dns'
import { isIP } from 'node:net'
import { Agent, buildConnector, fetch as undiciFetch } from 'undici'
import {
  type BackendAddressPolicy,
  checkAddresses,
  ReservedAddressError,
  resolveAll,
} from '../registry/backend-address.ts'

/** The fetch the gateway calls backends with: agents, their token endpoints, their cards. */
export type BackendFetch = (url: string, init: RequestInit) => Promise<Response>

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * A `lookup` for `net.connect` that resolves the name once, refuses it if any
 * address is reserved and not allowed, and hands the socket exactly the
 * addresses it checked, so nothing resolves the name a second time.
 */
const guardedLookup =
  (policy: Pick<BackendAddressPolicy, 'allowed' | 'resolve'>) =>
  (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family
    const answer = (addresses: string[]) => {
      checkAddresses(hostname, addresses, policy.allowed)
      const wanted = addresses.filter((address) => !family || family === isIP(address))
      if (wanted.length === 0) {
        throw Object.assign(new Error(`${hostname} has no address to connect to`), {
          code: 'ENOTFOUND',
        })
      }
      return wanted
    }
    ;(policy.resolve ?? resolveAll)(hostname)
      .then(answer)
      .then(
        (addresses) =>
          options.all
            ? callback(
                null,
                addresses.map((address) => ({ address, family: isIP(address) })),
              )
            : callback(null, addresses[0] as string, isIP(addresses[0] as string)),
        (error: NodeJS.ErrnoException) => callback(error, []),
      )
  }

/**
 * An undici dispatcher whose every new connection is held to the backend
 * address policy on the address actually connected to: a name is resolved and
 * checked in `connect.lookup` (a name that passed registration and resolves to
 * 169.254.169.254 now is refused: DNS rebinding), an IP literal is checked as it
 * is (BACKEND_ALLOWED_CIDRS may have narrowed since registration). A refusal
 * fails the fetch with a ReservedAddressError as its `cause`, before any socket
 * is opened.
 */
export const guardedDispatcher = (
  policy: Pick<BackendAddressPolicy, 'allowed' | 'resolve'>,
): Agent => {
  const connector = buildConnector({ lookup: guardedLookup(policy) })
  return new Agent({
    connect: function guardedConnect(options, callback) {
      // net.connect calls no lookup for an IP literal.
      if (isIP(options.hostname)) {
        try {
          checkAddresses(options.hostname, [options.hostname], policy.allowed)
        } catch (error) {
          callback(error as Error, null)
          return
        }
      }
      connector(options, callback)
    },
  })
}

/**
 * A fetch held to the backend address policy at connect time (guardedDispatcher),
 * for every call the gateway makes to a backend. Build it once per handler from
 * configuration; its connections are pooled across invocations.
 *
 * @example
 * const backendFetch = guardedFetch({ allowed: parseCidrs(config.backendAllowedCidrs) })
 * const response = await backendFetch(record.endpoints.JSONRPC, { method: 'POST', body })
 */
export const guardedFetch = (
  policy: Pick<BackendAddressPolicy, 'allowed' | 'resolve'>,
): BackendFetch => {
  const dispatcher = guardedDispatcher(policy)
  // undici's own fetch, so the dispatcher and the fetch are one version whatever Node bundles.
  return async function guardedBackendFetch(url, init) {
    const response = await undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    })
    return response as unknown as Response
  }
}

/** The address refusal behind a failed fetch, if that is why it failed. */
export const refusedAddress = (error: unknown): ReservedAddressError | undefined => {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ReservedAddressError) return cause
  }
  return undefined
}
