import * as z from 'zod'
import type { BackendAuthType } from './backend-auth.ts'

const config = z.strictObject({ type: z.literal('none') })

/** `none`: the backend is called as it is (it is public, or guarded by the network). */
export const noAuth: BackendAuthType<typeof config, { type: 'none' }> = {
  type: 'none',
  config,
  namedSecret: () => undefined,
  secretDestination: () => undefined,
  toRecord: async () => ({ type: 'none' }),
  ownedSecret: () => undefined,
  renewsOn401: false,
  authenticatesCardFetch: false,
  authenticator: () => ({ authenticate: async (request) => request }),
}
