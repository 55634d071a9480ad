import * as z from 'zod'
import { ScopeLimitError } from '../errors.ts'
import { pageQuerySchema } from '../http/page-query.ts'
import { scopeSchema } from '../ids.ts'

/** A scope the identity provider puts in tokens, without the resource server's prefix. */
export interface ScopeDefinition {
  scope: string
  description: string
}

/** An OAuth client (a caller) of the identity provider: never its secret. */
export interface CallerClient {
  clientId: string
  name: string
  scopes: string[]
}

/**
 * A client as the admin API shows it: `managedBy: "terraform"` marks one the
 * Terraform stack owns (MANAGED_CLIENT_IDS), which the API never changes;
 * `tokensRefused` one whose tokens the gateway refuses, since it accepts only the
 * clients ALLOWED_CLIENT_IDS lists.
 */
export interface ShownClient extends CallerClient {
  managedBy?: 'terraform'
  tokensRefused?: true
}

/** Which page of clients: at most `limit`, from where `after` (a page's `next`) says. */
export interface ClientPageQuery {
  limit: number
  after?: string | undefined
}

/** A page of clients, and where the next one starts (absent: none follows). */
export interface ClientPage {
  clients: CallerClient[]
  next?: string
}

/**
 * The most clients a page of `GET /admin/clients` holds: what one ListUserPoolClients answers
 * ("MaxResults ... Maximum value of 60"), each then described, so a page is one list and at most
 * 60 DescribeUserPoolClient calls however many clients the pool holds.
 */
export const maxClientsPerPage = 60

/**
 * Whether a text may be where a page of clients starts: Cognito's NextToken ("Pattern: [\S]+",
 * at most 131,072 characters) or the local identity's client id, which it also matches.
 */
export const isClientPageStart = (text: string): boolean =>
  text.length <= 131_072 && /^\S+$/.test(text)

/** The query of `GET /admin/clients`: the page size and the cursor of the page before. */
export const clientsQuerySchema = pageQuerySchema(
  maxClientsPerPage,
  maxClientsPerPage,
  'Clients',
  isClientPageStart,
)

/** A page's start the identity provider refuses: a NextToken Cognito did not give, or no longer takes. */
export class UnknownPageStartError extends Error {
  override name = 'UnknownPageStartError'
}

/** A client just made, or given a new secret: the secret is shown this once. */
export interface IssuedSecret {
  clientId: string
  clientSecret: string
}

/**
 * The scopes and OAuth clients of the gateway's identity provider: Cognito's
 * resource server and app clients on AWS (CognitoCallerRegistry), the local
 * identity's file under the state folder on a laptop (FileCallerRegistry).
 * Scopes are the short names (`weather:invoke`); adapters add the prefix the
 * provider needs. Reads return `undefined` for what does not exist; changes
 * return the record before them, so the audit trail can show both.
 */
export interface CallerRegistry {
  listScopes(): Promise<ScopeDefinition[]>
  /** Creates or changes a scope's description; the record before (undefined: created). */
  putScope(scope: ScopeDefinition): Promise<ScopeDefinition | undefined>
  /** Removes a scope; the record before (undefined: there was none). */
  deleteScope(scope: string): Promise<ScopeDefinition | undefined>
  /** Every client: what a scope's deletion reads to find its holders. */
  listClients(): Promise<CallerClient[]>
  /**
   * One page of the clients: at most `limit` (1 to `maxClientsPerPage`), from where `after` (a
   * page's `next`, as it was given) says; `next` is present while more may follow.
   */
  listClientPage(page: ClientPageQuery): Promise<ClientPage>
  getClient(clientId: string): Promise<CallerClient | undefined>
  /** A client-credentials client holding exactly `scopes`, with a generated secret. */
  createClient(client: { name: string; scopes: string[] }): Promise<CallerClient & IssuedSecret>
  /**
   * Changes the name or the scopes, each kept when left out: merged with the client
   * as this change reads it, so two changes at once each keep the other's. The
   * record before and after (undefined: no such client, nothing changed).
   */
  updateClient(
    clientId: string,
    change: { name?: string | undefined; scopes?: string[] | undefined },
  ): Promise<{ before: CallerClient; after: CallerClient } | undefined>
  /**
   * A new secret that replaces every other: when this returns, the old secret no
   * longer gets tokens (tokens it already got stay valid until they expire).
   * Undefined: no such client.
   */
  rotateSecret(clientId: string): Promise<IssuedSecret | undefined>
  /** The record before (undefined: there was none). */
  deleteClient(clientId: string): Promise<CallerClient | undefined>
}

/** Cognito's quota of scopes on one resource server, which the local identity keeps too. */
export const maxScopes = 100

/**
 * The scopes with `scope` put in: a new one at the end, a changed description in its place. A
 * new scope past `maxScopes` is a ScopeLimitError, refused before anything is written.
 */
export const withScope = (
  scopes: readonly ScopeDefinition[],
  scope: ScopeDefinition,
): { scopes: ScopeDefinition[]; before: ScopeDefinition | undefined } => {
  const before = scopes.find((each) => each.scope === scope.scope)
  if (!before && scopes.length >= maxScopes) throw new ScopeLimitError(scope.scope, maxScopes)
  return {
    before,
    scopes: before ? scopes.map((each) => (each === before ? scope : each)) : [...scopes, scope],
  }
}

/** Cognito's limits: a scope description and a client name are at most 256 and 128 characters. */
export const scopeBodySchema = z.strictObject({
  description: z.string().trim().min(1, 'must say what the scope is for').max(256),
})

/**
 * Cognito's ClientName pattern, `[\w\s+=,.@-]+`, read as Cognito reads it: Java's `\s` is ASCII
 * whitespace only, where JavaScript's also holds U+00A0, U+3000, U+FEFF... (passed here, refused there).
 */
const clientNamePattern = /^[\w \t\n\v\f\r+=,.@-]+$/

const clientNameSchema = z
  .string()
  .trim()
  .min(1, 'must name the caller')
  .max(128)
  .regex(clientNamePattern, 'may hold letters, digits, spaces and "+=,.@-_" only (ASCII)')

const clientScopesSchema = z
  .array(scopeSchema)
  .min(1, 'must hold at least one scope')
  .max(50, 'may hold at most 50 scopes')
  .transform((scopes) => [...new Set(scopes)])

export const createClientSchema = z.strictObject({
  name: clientNameSchema,
  scopes: clientScopesSchema,
})

export const updateClientSchema = z
  .strictObject({ name: clientNameSchema.optional(), scopes: clientScopesSchema.optional() })
  .refine((change) => change.name !== undefined || change.scopes !== undefined, {
    error: 'must change name or scopes',
  })

/** An app client id as Cognito writes it (and the local identity's own). */
export const clientIdSchema = z
  .string()
  .regex(/^[\w+-]{1,128}$/, 'must be 1-128 letters, digits, "_", "+" or "-"')
