import { loadOnce } from '../load-once.ts'
import type { VerifyAccessToken } from './bearer.ts'
import type { TokenVerifierOptions } from './token-verifier.ts'

/**
 * `createTokenVerifier`'s verifier, its code (and jose's) imported on the first token it
 * verifies: the agents function verifies a token only for a granted card (its other routes sit
 * behind the authorizer), and jose was a twentieth of what it loaded at its start. Its own module,
 * imported by that handler alone: esbuild keeps a dynamic import's target as a chunk of every
 * function that reaches the import, and a function that loads jose's index for other work (admin,
 * discovery, push-delivery) then loads the verifier's share of jose at its start too.
 *
 * @example
 * const verify = tokenVerifierOnFirstUse({ issuer, jwksUrl, scopePrefix: 'switchboard/' })
 * const caller = await verify(bearerToken) // throws TokenRejectedError
 */
export const tokenVerifierOnFirstUse = (options: TokenVerifierOptions): VerifyAccessToken => {
  const verifier = loadOnce(async () =>
    (await import('./token-verifier.ts')).createTokenVerifier(options),
  )
  return async (token) => (await verifier())(token)
}
