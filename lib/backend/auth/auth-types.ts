import * as z from 'zod'
import { apiKeyAuth } from './api-key.ts'
import { awsIamAuth } from './aws-iam.ts'
import type { AuthConfigSchema, BackendAuthType } from './backend-auth.ts'
import { noAuth } from './none.ts'
import { oauth2ClientCredentialsAuth } from './oauth2-client-credentials.ts'

/** Every `auth.type` an agent may be registered with: one line per adapter. */
export const backendAuthTypes = [
  noAuth,
  apiKeyAuth,
  oauth2ClientCredentialsAuth,
  awsIamAuth,
] as const

type AuthTypes = typeof backendAuthTypes
/** The config schemas of a tuple of adapters, as a tuple. */
type ConfigsOf<T extends readonly unknown[]> = {
  [Index in keyof T]: T[Index] extends { config: infer Schema } ? Schema : never
}
type StoredOf<T> = T extends { ownedSecret(auth: infer Stored): unknown } ? Stored : never

/** How the gateway authenticates to a backend, as its record keeps it: never a secret. */
export type BackendAuth = StoredOf<AuthTypes[number]>

/** The agent config's `auth`: one of the adapters' config schemas, by `type`. */
export const authConfigSchema = z.discriminatedUnion(
  'type',
  backendAuthTypes.map((kind) => kind.config) as unknown as ConfigsOf<AuthTypes>,
)

export type AuthConfig = z.output<typeof authConfigSchema>

/** An adapter seen through the port alone, for code that serves every type. */
export type AnyBackendAuthType = BackendAuthType<AuthConfigSchema, BackendAuth>

const byType = new Map<string, AnyBackendAuthType>(
  backendAuthTypes.map((kind) => [kind.type, kind as unknown as AnyBackendAuthType]),
)

/** The adapter of an `auth.type`. */
export const backendAuthType = (type: BackendAuth['type']): AnyBackendAuthType => {
  const kind = byType.get(type)
  if (!kind) throw new Error(`no backend auth type '${type}'`)
  return kind
}
