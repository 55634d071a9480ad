import { generateKeyPairSync, sign } from 'node:crypto'
import type { GatewayKey } from '../../lib/signing/gateway-key.ts'

/**
 * A throwaway ES256 key the gateway signs pushes with, for tests that read no signature
 * (their webhook takes any): a fresh P-256 key, signatures as JOSE wants them (r || s).
 */
export const throwawayGatewayKey = (kid = 'gw-1'): GatewayKey => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    kid,
    alg: 'ES256',
    sign: async (data) => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    publicJwk: async () => ({}),
  }
}
