/**
 * The host as it goes in a URL: an IPv6 address in brackets; a wildcard address is reached
 * through loopback. The sample agents', their SigV4 stand-in's and `npm start`'s own URLs.
 * A module of its own: the local stack needs it without the agents' server code, which a
 * stack with no sample agents (`npm run invoke` of the authorizer) never loads.
 *
 * @example
 * `http://${urlHost('::1')}:3000` // http://[::1]:3000
 */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}
