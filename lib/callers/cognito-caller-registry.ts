import {
  AddUserPoolClientSecretCommand,
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  DeleteUserPoolClientCommand,
  DeleteUserPoolClientSecretCommand,
  DescribeResourceServerCommand,
  DescribeUserPoolClientCommand,
  ListUserPoolClientSecretsCommand,
  ListUserPoolClientsCommand,
  ResourceNotFoundException,
  UpdateResourceServerCommand,
  UpdateUserPoolClientCommand,
  type UpdateUserPoolClientCommandInput,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider'
import type { OneAtATime } from '../dynamo-lease.ts'
import {
  AdminScopeError,
  IdentityProviderBusyError,
  IdentityProviderLimitError,
  RotationUnfinishedError,
} from '../errors.ts'
import { mapConcurrently } from '../map-concurrently.ts'
import {
  type CallerClient,
  type CallerRegistry,
  type ClientPage,
  type ClientPageQuery,
  type IssuedSecret,
  type ScopeDefinition,
  UnknownPageStartError,
  withScope,
} from './caller-registry.ts'

export interface CognitoCallerOptions {
  userPoolId: string
  /** The resource server's identifier: scopes in tokens are `<identifier>/<scope>`. */
  resourceServerIdentifier: string
  /** The admin scope (short name): never removed from the resource server. */
  adminScope: string
  /** How long a created client's access tokens last, in minutes: the stack's, not Cognito's hour. */
  tokenValidityMinutes: number
  /**
   * Runs each read-modify-write (a scope's change, a client's, a rotation) while no
   * other instance runs one: Cognito takes no condition on these writes, so two
   * changes read at once would each write back what the other changed. The stack
   * gives a DynamoDB lease (lib/dynamo-lease.ts).
   */
  oneAtATime: OneAtATime
}

/** The name of the changes kept apart (a lease's, and what ChangeInProgressError names). */
const changes = 'the scopes and clients'

/**
 * What UpdateUserPoolClient keeps of a client: the call replaces the whole
 * client, so every setting left out would be reset to its default.
 */
const updatableSettings = [
  'ClientName',
  'RefreshTokenValidity',
  'AccessTokenValidity',
  'IdTokenValidity',
  'TokenValidityUnits',
  'ReadAttributes',
  'WriteAttributes',
  'ExplicitAuthFlows',
  'SupportedIdentityProviders',
  'CallbackURLs',
  'LogoutURLs',
  'DefaultRedirectURI',
  'AllowedOAuthFlows',
  'AllowedOAuthScopes',
  'AllowedOAuthFlowsUserPoolClient',
  'AnalyticsConfiguration',
  'PreventUserExistenceErrors',
  'EnableTokenRevocation',
  'EnablePropagateAdditionalUserContextData',
  'AuthSessionValidity',
  'RefreshTokenRotation',
] as const satisfies readonly (keyof UserPoolClientType & keyof UpdateUserPoolClientCommandInput)[]

/** How many DescribeUserPoolClient requests a listing has in flight at once. */
const describeConcurrency = 5

const notFoundIsUndefined = (error: unknown): undefined => {
  if (error instanceof ResourceNotFoundException) return undefined
  throw error
}

/**
 * The caller registry on AWS: the stack's Cognito user pool. Scopes are the
 * resource server's (UpdateResourceServer replaces the whole list, so each
 * change reads it and writes it back with the one scope changed, one change at
 * a time: `oneAtATime`; the admin scope is never removed); callers are app
 * clients with the client-credentials flow and a generated secret.
 *
 * Rotation (AddUserPoolClientSecret, 2025): an app client holds at most two
 * secrets, both working. `rotateSecret` adds a new one and then deletes every
 * other (first the newer, never shown, when two are already there), so once it
 * returns only the new secret gets tokens; access tokens issued before stay
 * valid until they expire. A step that fails is settled by what the client
 * then holds (`#settle`).
 */
/**
 * Cognito's throttling (its request quotas are per pool and operation) and its quota refusals
 * (app clients per pool, say) as errors that say so; any other error as it came.
 */
const cognitoFailure = (error: unknown): unknown => {
  const { name, message } = error instanceof Error ? error : { name: '', message: '' }
  if (name === 'TooManyRequestsException') return new IdentityProviderBusyError(message)
  if (name === 'LimitExceededException') return new IdentityProviderLimitError(message)
  return error
}

export class CognitoCallerRegistry implements CallerRegistry {
  readonly #client: CognitoIdentityProviderClient
  readonly #options: CognitoCallerOptions
  readonly #prefix: string

  constructor(client: CognitoIdentityProviderClient, options: CognitoCallerOptions) {
    this.#client = client
    this.#options = options
    this.#prefix = `${options.resourceServerIdentifier}/`
  }

  /** One request to Cognito, its throttling and quota refusals said as what an operator can do. */
  readonly #send = ((command: Parameters<CognitoIdentityProviderClient['send']>[0]) =>
    this.#client.send(command).catch((error: unknown) => {
      throw cognitoFailure(error)
    })) as CognitoIdentityProviderClient['send']

  async listScopes(): Promise<ScopeDefinition[]> {
    return (await this.#resourceServer()).scopes
  }

  putScope(scope: ScopeDefinition): Promise<ScopeDefinition | undefined> {
    return this.#oneAtATime(async () => {
      const { name, scopes } = await this.#resourceServer()
      const put = withScope(scopes, scope)
      await this.#writeScopes(name, put.scopes)
      return put.before
    })
  }

  async deleteScope(scope: string): Promise<ScopeDefinition | undefined> {
    if (scope === this.#options.adminScope) throw new AdminScopeError(scope)
    return this.#oneAtATime(async () => {
      const { name, scopes } = await this.#resourceServer()
      const before = scopes.find((each) => each.scope === scope)
      if (!before) return undefined
      await this.#writeScopes(
        name,
        scopes.filter((each) => each.scope !== scope),
      )
      return before
    })
  }

  async listClients(): Promise<CallerClient[]> {
    const ids: string[] = []
    let NextToken: string | undefined
    do {
      const page = await this.#send(
        new ListUserPoolClientsCommand({
          UserPoolId: this.#options.userPoolId,
          MaxResults: 60,
          NextToken,
        }),
      )
      ids.push(...(page.UserPoolClients ?? []).flatMap(({ ClientId }) => ClientId ?? []))
      NextToken = page.NextToken
    } while (NextToken)
    return this.#described(ids)
  }

  /** One ListUserPoolClients page (its NextToken the next page's start), each client described. */
  async listClientPage({ limit, after }: ClientPageQuery): Promise<ClientPage> {
    const page = await this.#send(
      new ListUserPoolClientsCommand({
        UserPoolId: this.#options.userPoolId,
        MaxResults: limit,
        NextToken: after,
      }),
    ).catch((error: unknown) => {
      // A cursor is Cognito's NextToken as it gave it: one it cannot read is the cursor's fault.
      if (after !== undefined && (error as Error).name === 'InvalidParameterException') {
        throw new UnknownPageStartError((error as Error).message)
      }
      throw error
    })
    const clients = await this.#described(
      (page.UserPoolClients ?? []).flatMap(({ ClientId }) => ClientId ?? []),
    )
    return page.NextToken ? { clients, next: page.NextToken } : { clients }
  }

  /**
   * ListUserPoolClients names no scopes: each client is described, a few at a time (Cognito's
   * request rate quotas are per pool and operation); one deleted meanwhile is left out.
   */
  async #described(clientIds: readonly string[]): Promise<CallerClient[]> {
    const described = await mapConcurrently(clientIds, describeConcurrency, (clientId) =>
      this.getClient(clientId),
    )
    return described.filter((client): client is CallerClient => client !== undefined)
  }

  async getClient(clientId: string): Promise<CallerClient | undefined> {
    const described = await this.#describe(clientId)
    return described && this.#caller(described)
  }

  async createClient(client: {
    name: string
    scopes: string[]
  }): Promise<CallerClient & IssuedSecret> {
    const { UserPoolClient: created } = await this.#send(
      new CreateUserPoolClientCommand({
        UserPoolId: this.#options.userPoolId,
        ClientName: client.name,
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: client.scopes.map((scope) => `${this.#prefix}${scope}`),
        SupportedIdentityProviders: ['COGNITO'],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        EnableTokenRevocation: true,
        AccessTokenValidity: this.#options.tokenValidityMinutes,
        TokenValidityUnits: { AccessToken: 'minutes' },
      }),
    )
    if (!created?.ClientId || !created.ClientSecret) {
      throw new Error('CreateUserPoolClient answered without a client id or secret')
    }
    return { ...this.#caller(created), clientSecret: created.ClientSecret }
  }

  updateClient(
    clientId: string,
    change: { name?: string | undefined; scopes?: string[] | undefined },
  ): Promise<{ before: CallerClient; after: CallerClient } | undefined> {
    return this.#oneAtATime(async () => {
      const described = await this.#describe(clientId)
      if (!described) return undefined
      const before = this.#caller(described)
      const after = {
        clientId,
        name: change.name ?? before.name,
        scopes: change.scopes ?? before.scopes,
      }
      const kept = Object.fromEntries(updatableSettings.map((key) => [key, described[key]]))
      await this.#send(
        new UpdateUserPoolClientCommand({
          ...kept,
          UserPoolId: this.#options.userPoolId,
          ClientId: clientId,
          ClientName: after.name,
          // Scopes of other resource servers are the client's too: kept as they are.
          AllowedOAuthScopes: [
            ...(described.AllowedOAuthScopes ?? []).filter(
              (scope) => !scope.startsWith(this.#prefix),
            ),
            ...after.scopes.map((scope) => `${this.#prefix}${scope}`),
          ],
        }),
      )
      return { before, after }
    })
  }

  /** One at a time too: a rotation deletes every secret but its own, a concurrent one's included. */
  rotateSecret(clientId: string): Promise<IssuedSecret | undefined> {
    return this.#oneAtATime(async () => {
      const existing = await this.#secretIds(clientId)
      if (!existing) return undefined
      // At most two secrets. Two mean a rotation that did not finish, whose newer secret no one
      // was shown: that one makes room, and the one the caller uses stays until the new one is in.
      if (existing.length >= 2) await this.#deleteSecret(clientId, existing.at(-1) as string)
      const kept = existing.slice(0, 1)
      let added: { id: string; value: string }
      try {
        const { ClientSecretDescriptor: descriptor } = await this.#send(
          new AddUserPoolClientSecretCommand({
            UserPoolId: this.#options.userPoolId,
            ClientId: clientId,
          }),
        )
        if (!descriptor?.ClientSecretId || !descriptor.ClientSecretValue) {
          throw new Error('AddUserPoolClientSecret answered without a secret')
        }
        added = { id: descriptor.ClientSecretId, value: descriptor.ClientSecretValue }
      } catch (cause) {
        // An add whose answer was lost may have landed: a secret no one can be shown, taken back.
        throw await this.#settle(clientId, kept, undefined, cause)
      }
      try {
        for (const secretId of (await this.#secretIds(clientId)) ?? []) {
          if (secretId !== added.id) await this.#deleteSecret(clientId, secretId)
        }
      } catch (cause) {
        // A delete whose answer was lost may have landed: what is held decides.
        const settled = await this.#settle(clientId, kept, added, cause)
        if (!(settled instanceof Error)) return settled
        throw settled
      }
      return { clientId, clientSecret: added.value }
    })
  }

  /**
   * After a rotation's step failed, reads what the client holds and acts on it, a few rounds:
   * only `added` held, the rotation is done; `added` beside the old (`kept`), it is taken back;
   * any other secret (an add that landed unanswered) is taken back too. The answer is the
   * secret issued, or the error saying what is held: the old alone, both, or unknown (unread).
   */
  async #settle(
    clientId: string,
    kept: readonly string[],
    added: { id: string; value: string } | undefined,
    cause: unknown,
  ): Promise<IssuedSecret | Error> {
    let held: readonly string[] | undefined
    let tookBack = false
    for (let round = 0; round < 3; round++) {
      held = await this.#secretIds(clientId).catch(() => undefined)
      if (held === undefined) break
      if (added && held.length === 1 && held[0] === added.id) {
        return { clientId, clientSecret: added.value }
      }
      const unseen = held.filter((id) => !kept.includes(id))
      // Nothing to take back, or no old secret left beside it: Cognito never deletes the last.
      if (unseen.length === 0 || unseen.length === held.length) break
      tookBack = true
      for (const id of unseen) await this.#deleteSecret(clientId, id).catch(() => undefined)
    }
    const oldAlone = held?.every((id) => kept.includes(id)) ?? false
    // An add refused outright (throttled, a quota), nothing landed: its own error says why.
    if (!added && oldAlone && !tookBack) {
      return cause instanceof Error ? cause : new Error(String(cause))
    }
    return new RotationUnfinishedError(
      clientId,
      held === undefined ? 'unknown' : oldAlone ? 'old' : 'both',
      { cause },
    )
  }

  /** One at a time too: an update that read the client before would otherwise fail on it. */
  deleteClient(clientId: string): Promise<CallerClient | undefined> {
    return this.#oneAtATime(async () => {
      const before = await this.getClient(clientId)
      if (!before) return undefined
      await this.#send(
        new DeleteUserPoolClientCommand({
          UserPoolId: this.#options.userPoolId,
          ClientId: clientId,
        }),
      ).catch(notFoundIsUndefined)
      return before
    })
  }

  #oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    return this.#options.oneAtATime(changes, work)
  }

  /** The resource server's name and scopes (one read: a write replaces both). */
  async #resourceServer(): Promise<{ name: string; scopes: ScopeDefinition[] }> {
    const { ResourceServer } = await this.#send(
      new DescribeResourceServerCommand({
        UserPoolId: this.#options.userPoolId,
        Identifier: this.#options.resourceServerIdentifier,
      }),
    )
    return {
      name: ResourceServer?.Name ?? this.#options.resourceServerIdentifier,
      scopes: (ResourceServer?.Scopes ?? []).map(({ ScopeName, ScopeDescription }) => ({
        scope: ScopeName ?? '',
        description: ScopeDescription ?? '',
      })),
    }
  }

  /** The whole scope list, written back with the resource server's name (the call replaces both). */
  async #writeScopes(name: string, scopes: ScopeDefinition[]) {
    await this.#send(
      new UpdateResourceServerCommand({
        UserPoolId: this.#options.userPoolId,
        Identifier: this.#options.resourceServerIdentifier,
        Name: name,
        Scopes: scopes.map(({ scope, description }) => ({
          ScopeName: scope,
          ScopeDescription: description,
        })),
      }),
    )
  }

  #describe(clientId: string) {
    return this.#send(
      new DescribeUserPoolClientCommand({
        UserPoolId: this.#options.userPoolId,
        ClientId: clientId,
      }),
    )
      .then(({ UserPoolClient }) => UserPoolClient)
      .catch(notFoundIsUndefined)
  }

  /** The client's secret ids, oldest first; undefined: no such client. */
  async #secretIds(clientId: string): Promise<string[] | undefined> {
    const secrets: { id: string; at: number }[] = []
    try {
      // One page holds them all (two at most).
      const page = await this.#send(
        new ListUserPoolClientSecretsCommand({
          UserPoolId: this.#options.userPoolId,
          ClientId: clientId,
        }),
      )
      for (const secret of page.ClientSecrets ?? []) {
        if (secret.ClientSecretId) {
          secrets.push({
            id: secret.ClientSecretId,
            at: new Date(secret.ClientSecretCreateDate ?? 0).getTime(),
          })
        }
      }
    } catch (error) {
      return notFoundIsUndefined(error)
    }
    return secrets.sort((a, b) => a.at - b.at).map(({ id }) => id)
  }

  async #deleteSecret(clientId: string, secretId: string) {
    await this.#send(
      new DeleteUserPoolClientSecretCommand({
        UserPoolId: this.#options.userPoolId,
        ClientId: clientId,
        ClientSecretId: secretId,
      }),
    )
  }

  #caller(client: UserPoolClientType): CallerClient {
    return {
      clientId: client.ClientId ?? '',
      name: client.ClientName ?? '',
      scopes: (client.AllowedOAuthScopes ?? []).flatMap((scope) =>
        scope.startsWith(this.#prefix) ? [scope.slice(this.#prefix.length)] : [],
      ),
    }
  }
}
