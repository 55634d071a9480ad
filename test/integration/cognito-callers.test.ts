import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { callerRegistryFor } from '../../lib/callers/caller-registry-for.ts'
import { CognitoCallerRegistry } from '../../lib/callers/cognito-caller-registry.ts'
import {
  createClient,
  deleteClient,
  listClients,
  rotateClientSecret,
  updateClient,
} from '../../lib/callers/manage-callers.ts'
import type { OneAtATime } from '../../lib/dynamo-lease.ts'
import { AdminScopeError, ManagedClientError } from '../../lib/errors.ts'
import { startCognitoStandIn } from '../support/cognito-stand-in.ts'

const userPoolId = 'us-east-1_Gateway1'
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' }

describe('CognitoCallerRegistry against a Cognito stand-in', () => {
  let cognito: Awaited<ReturnType<typeof startCognitoStandIn>>
  let registry: CognitoCallerRegistry
  let client: CognitoIdentityProviderClient

  beforeEach(async () => {
    cognito = await startCognitoStandIn({
      userPoolId,
      identifier: 'switchboard',
      name: 'switchboard gateway',
      scopes: [
        { ScopeName: 'admin', ScopeDescription: 'Manage agents and permissions (/admin/*)' },
        { ScopeName: 'weather:invoke', ScopeDescription: 'Terraform-made' },
      ],
    })
    client = new CognitoIdentityProviderClient({
      endpoint: cognito.url,
      region: 'us-east-1',
      credentials,
    })
    registry = new CognitoCallerRegistry(client, {
      userPoolId,
      resourceServerIdentifier: 'switchboard',
      adminScope: 'admin',
      tokenValidityMinutes: 15,
      oneAtATime: (_name, work) => work(),
    })
  })
  afterEach(() => cognito.stop())

  /**
   * The next `command` reaches Cognito and is carried out, but its answer is lost (a timeout), as
   * the SDK then sees it, so it retries; `meanwhile` runs once the answer is gone.
   */
  const loseNextAnswer = (command: string, meanwhile?: () => void) => {
    let lose = true
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args)
        if (lose && context.commandName === command) {
          lose = false
          meanwhile?.()
          throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })
        }
        return result
      },
      { step: 'deserialize', name: `lose${command}Answer` },
    )
  }

  it('sends UpdateResourceServer with every existing scope kept and its name, adding the new one', async () => {
    // Act
    const before = await registry.putScope({ scope: 'reports:invoke', description: 'Reports' })

    // Assess
    expect(before).toBeUndefined()
    const [update] = cognito.sent('UpdateResourceServer')
    expect(update?.input).toEqual({
      UserPoolId: userPoolId,
      Identifier: 'switchboard',
      Name: 'switchboard gateway',
      Scopes: [
        { ScopeName: 'admin', ScopeDescription: 'Manage agents and permissions (/admin/*)' },
        { ScopeName: 'weather:invoke', ScopeDescription: 'Terraform-made' },
        { ScopeName: 'reports:invoke', ScopeDescription: 'Reports' },
      ],
    })
  })

  it("changes a scope's description in its place, the other scopes kept as they were", async () => {
    // Act
    const before = await registry.putScope({ scope: 'admin', description: 'The admin API' })

    // Assess
    expect(before).toEqual({
      scope: 'admin',
      description: 'Manage agents and permissions (/admin/*)',
    })
    expect(cognito.sent('UpdateResourceServer')[0]?.input.Scopes).toEqual([
      { ScopeName: 'admin', ScopeDescription: 'The admin API' },
      { ScopeName: 'weather:invoke', ScopeDescription: 'Terraform-made' },
    ])
  })

  it('made at once, two scope changes and two client PATCHes all land, and of two rotations the later secret is held: one change at a time', async () => {
    // Prepare: one change at a time, as the stack's lease does across instances
    let last: Promise<unknown> = Promise.resolve()
    const oneAtATime: OneAtATime = (_name, work) => {
      const run = last.then(work)
      last = run.catch(() => undefined)
      return run
    }
    const serialized = new CognitoCallerRegistry(client, {
      userPoolId,
      resourceServerIdentifier: 'switchboard',
      adminScope: 'admin',
      tokenValidityMinutes: 60,
      oneAtATime,
    })
    const { clientId } = await serialized.createClient({ name: 'app', scopes: [] })

    // Act: each change reads the whole list (the client, its secrets) before it writes
    const [, , first, second] = await Promise.all([
      serialized.putScope({ scope: 'reports:invoke', description: 'Reports' }),
      serialized.putScope({ scope: 'billing:invoke', description: 'Billing' }),
      serialized.rotateSecret(clientId),
      serialized.rotateSecret(clientId),
      serialized.updateClient(clientId, { name: 'renamed' }),
      serialized.updateClient(clientId, { scopes: ['weather:invoke'] }),
    ])

    // Assess: no change written over; the later rotation's secret is the one held
    expect((await serialized.listScopes()).map(({ scope }) => scope)).toEqual([
      'admin',
      'weather:invoke',
      'reports:invoke',
      'billing:invoke',
    ])
    expect(cognito.client(clientId)?.secrets.map((secret) => secret.ClientSecretValue)).toEqual([
      second?.clientSecret,
    ])
    expect(first?.clientSecret).not.toBe(second?.clientSecret)
    expect(await serialized.getClient(clientId)).toEqual({
      clientId,
      name: 'renamed',
      scopes: ['weather:invoke'],
    })
  })

  it('refuses a scope past Cognito’s 100 a resource server holds, before sending it, and still changes one it has', async () => {
    // Prepare: admin and weather:invoke, then 98 more.
    for (let i = 0; i < 98; i++) {
      await registry.putScope({ scope: `team-${i}:invoke`, description: `team ${i}` })
    }

    // Act
    const past = registry.putScope({ scope: 'one-more:invoke', description: 'the 101st' })
    const changed = registry.putScope({ scope: 'team-0:invoke', description: 'renamed' })

    // Assess: both at once, so the refusal is never left unheard while the change is awaited
    await Promise.all([
      expect(past).rejects.toThrow(
        "Scope 'one-more:invoke' would be the 101st: a resource server holds at most 100 (Cognito's limit); delete one no longer used first.",
      ),
      expect(changed).resolves.toEqual({ scope: 'team-0:invoke', description: 'team 0' }),
    ])
    expect(cognito.resourceServer().Scopes).toHaveLength(100)
  })

  it('says Cognito is busy, to retry shortly, when it throttles, and names a quota it refuses', async () => {
    // Prepare: refused on every attempt the SDK makes (it retries both, as throttling, twice).
    for (let i = 0; i < 3; i++) {
      cognito.failNext('ListUserPoolClients', 'TooManyRequestsException', 'Rate exceeded')
      cognito.failNext('CreateUserPoolClient', 'LimitExceededException', 'Too many app clients')
    }

    // Act
    const listed = registry.listClients()
    const created = registry.createClient({ name: 'app', scopes: [] })

    // Assess: both at once, whichever the SDK's retries give up on first
    await Promise.all([
      expect(listed).rejects.toMatchObject({
        code: 'identity-provider-busy',
        message:
          'Cognito is throttling the admin API (Rate exceeded); nothing was changed. Retry shortly.',
      }),
      expect(created).rejects.toMatchObject({
        code: 'identity-provider-limit',
        message: "Cognito refused it as past one of the user pool's quotas (Too many app clients).",
      }),
    ])
  })

  it('takes its new secret back when a rotation cannot delete the old one, and says the old one still works', async () => {
    // Prepare
    const { clientId, clientSecret } = await registry.createClient({ name: 'app', scopes: [] })
    cognito.failNext('DeleteUserPoolClientSecret', 'InternalErrorException', 'boom')

    // Act
    const rotated = registry.rotateSecret(clientId)

    // Assess
    await expect(rotated).rejects.toMatchObject({
      code: 'rotation-unfinished',
      message: `The rotation of client '${clientId}' did not finish: its old secret still works, and no new one was issued. Rotate again, which leaves it one new secret.`,
    })
    expect(cognito.client(clientId)?.secrets.map((secret) => secret.ClientSecretValue)).toEqual([
      clientSecret,
    ])
  })

  it('says a new secret no one was shown is held, when a failed rotation cannot take it back either', async () => {
    // Prepare
    const { clientId } = await registry.createClient({ name: 'app', scopes: [] })
    // The old secret's delete, then each take-back of the new one, fail.
    for (let i = 0; i < 4; i++) {
      cognito.failNext('DeleteUserPoolClientSecret', 'InternalErrorException', 'boom')
    }

    // Act
    const rotated = registry.rotateSecret(clientId)

    // Assess
    await expect(rotated).rejects.toMatchObject({
      code: 'rotation-unfinished',
      message: `The rotation of client '${clientId}' did not finish: its old secret still works, and a new one no one was shown is held beside it. Rotate again, which leaves it one new secret.`,
    })
    expect(cognito.client(clientId)?.secrets).toHaveLength(2)
  })

  it('finishes a rotation whose delete of the old secret landed though its answer was lost', async () => {
    // Prepare: the delete reaches Cognito and is carried out; its answer is lost, and the SDK
    // retries it, which Cognito refuses (the secret is gone, the new one the last).
    const { clientId } = await registry.createClient({ name: 'app', scopes: [] })
    loseNextAnswer('DeleteUserPoolClientSecretCommand')

    // Act
    const rotated = await registry.rotateSecret(clientId)

    // Assess
    expect(cognito.client(clientId)?.secrets.map((secret) => secret.ClientSecretValue)).toEqual([
      rotated?.clientSecret,
    ])
  })

  it('keeps the secret the caller uses when rotating after an unfinished rotation, however the new one fails', async () => {
    // Prepare: an unfinished rotation left a secret no one was shown beside the caller's.
    const { clientId, clientSecret } = await registry.createClient({ name: 'app', scopes: [] })
    for (let i = 0; i < 4; i++) {
      cognito.failNext('DeleteUserPoolClientSecret', 'InternalErrorException', 'boom')
    }
    await registry.rotateSecret(clientId).catch(() => undefined)
    expect(cognito.client(clientId)?.secrets).toHaveLength(2)
    for (let i = 0; i < 3; i++) {
      cognito.failNext('AddUserPoolClientSecret', 'TooManyRequestsException', 'Rate exceeded')
    }

    // Act
    const again = registry.rotateSecret(clientId)

    // Assess
    await expect(again).rejects.toMatchObject({ code: 'identity-provider-busy' })
    expect(cognito.client(clientId)?.secrets.map((secret) => secret.ClientSecretValue)).toEqual([
      clientSecret,
    ])
  })

  it('takes back a secret an add left though its answer was lost, and says no new one was issued', async () => {
    // Prepare: the add lands, its answer is lost, and the SDK's retries are refused (a third secret).
    const { clientId, clientSecret } = await registry.createClient({ name: 'app', scopes: [] })
    loseNextAnswer('AddUserPoolClientSecretCommand')

    // Act
    const rotated = registry.rotateSecret(clientId)

    // Assess
    await expect(rotated).rejects.toMatchObject({ code: 'rotation-unfinished', held: 'old' })
    expect(cognito.client(clientId)?.secrets.map((secret) => secret.ClientSecretValue)).toEqual([
      clientSecret,
    ])
  })

  it('says what a client holds could not be read, never that its old secret works, when the read after a lost delete is throttled', async () => {
    // Prepare: the old secret's delete lands, its answer is lost; every read after is throttled.
    const { clientId } = await registry.createClient({ name: 'app', scopes: [] })
    loseNextAnswer('DeleteUserPoolClientSecretCommand', () => {
      for (let i = 0; i < 3; i++) {
        cognito.failNext('ListUserPoolClientSecrets', 'TooManyRequestsException', 'Rate exceeded')
      }
    })

    // Act
    const rotated = registry.rotateSecret(clientId)

    // Assess
    await expect(rotated).rejects.toMatchObject({ code: 'rotation-unfinished', held: 'unknown' })
  })

  it('says Cognito is busy when it throttles reading a client, too', async () => {
    // Prepare
    const { clientId } = await registry.createClient({ name: 'app', scopes: [] })
    for (let i = 0; i < 3; i++) {
      cognito.failNext('DescribeUserPoolClient', 'TooManyRequestsException', 'Rate exceeded')
    }

    // Act
    const read = registry.getClient(clientId)

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'identity-provider-busy' })
  })

  it('lists every client with its scopes, describing each', async () => {
    // Prepare
    const names = Array.from({ length: 7 }, (_, index) => `app-${index}`)
    for (const name of names) await registry.createClient({ name, scopes: ['weather:invoke'] })

    // Act
    const clients = await registry.listClients()

    // Assess
    expect(clients.map(({ name }) => name).sort()).toEqual(names)
    expect(clients.every(({ scopes }) => scopes.join() === 'weather:invoke')).toBe(true)
    expect(cognito.sent('DescribeUserPoolClient')).toHaveLength(7)
  })

  it('deletes one scope keeping the others, and never sends a list without the admin scope', async () => {
    // Act
    const removed = await registry.deleteScope('weather:invoke')
    const refused = await registry.deleteScope('admin').catch((error: unknown) => error)

    // Assess
    expect(removed).toEqual({ scope: 'weather:invoke', description: 'Terraform-made' })
    expect(refused).toBeInstanceOf(AdminScopeError)
    const updates = cognito.sent('UpdateResourceServer')
    expect(updates).toHaveLength(1)
    expect(updates[0]?.input.Scopes).toEqual([
      { ScopeName: 'admin', ScopeDescription: 'Manage agents and permissions (/admin/*)' },
    ])
  })

  it('sends CreateUserPoolClient for client credentials with a generated secret and only the given scopes', async () => {
    // Act
    const created = await registry.createClient({ name: 'reports app', scopes: ['weather:invoke'] })

    // Assess
    const [create] = cognito.sent('CreateUserPoolClient')
    expect(create?.input).toMatchObject({
      UserPoolId: userPoolId,
      ClientName: 'reports app',
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['switchboard/weather:invoke'],
      SupportedIdentityProviders: ['COGNITO'],
      // The stack's token lifetime, not Cognito's default hour: it bounds a revocation.
      AccessTokenValidity: 15,
      TokenValidityUnits: { AccessToken: 'minutes' },
    })
    expect(created).toMatchObject({ name: 'reports app', scopes: ['weather:invoke'] })
    expect(created.clientSecret).toBe(
      cognito.client(created.clientId)?.secrets[0]?.ClientSecretValue,
    )
  })

  it('sends UpdateUserPoolClient with the settings it does not change, and scopes of other resource servers kept', async () => {
    // Prepare
    const { clientId } = await registry.createClient({ name: 'app', scopes: ['weather:invoke'] })
    const stored = cognito.client(clientId)
    if (!stored) throw new Error('not created')
    stored.settings = {
      ...stored.settings,
      AccessTokenValidity: 15,
      TokenValidityUnits: { AccessToken: 'minutes' },
      AllowedOAuthScopes: ['switchboard/weather:invoke', 'billing/read'],
    }

    // Act
    const changed = await registry.updateClient(clientId, { name: 'renamed', scopes: ['admin'] })

    // Assess
    expect(changed).toEqual({
      before: { clientId, name: 'app', scopes: ['weather:invoke'] },
      after: { clientId, name: 'renamed', scopes: ['admin'] },
    })
    const [update] = cognito.sent('UpdateUserPoolClient')
    expect(update?.input).toMatchObject({
      UserPoolId: userPoolId,
      ClientId: clientId,
      ClientName: 'renamed',
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthFlowsUserPoolClient: true,
      AccessTokenValidity: 15,
      TokenValidityUnits: { AccessToken: 'minutes' },
      EnableTokenRevocation: true,
      AllowedOAuthScopes: ['billing/read', 'switchboard/admin'],
    })
  })

  it('rotates by adding a secret and then deleting the others, the oldest first when two are held', async () => {
    // Prepare
    const { clientId, clientSecret: first } = await registry.createClient({
      name: 'app',
      scopes: ['weather:invoke'],
    })
    await registry.rotateSecret(clientId)
    const stored = cognito.client(clientId)
    // A second secret added by hand (the console, the CLI): two are held.
    const [held] = stored?.secrets ?? []
    stored?.secrets.push({ ...(held as NonNullable<typeof held>), ClientSecretId: 'by-hand' })
    cognito.requests.length = 0

    // Act
    const rotated = await registry.rotateSecret(clientId)

    // Assess
    expect(cognito.requests.map(({ operation }) => operation)).toEqual([
      'ListUserPoolClientSecrets',
      'DeleteUserPoolClientSecret',
      'AddUserPoolClientSecret',
      'ListUserPoolClientSecrets',
      'DeleteUserPoolClientSecret',
    ])
    expect(cognito.client(clientId)?.secrets.map((secret) => secret.ClientSecretValue)).toEqual([
      rotated?.clientSecret,
    ])
    expect(rotated?.clientSecret).not.toBe(first)
  })

  it('reads an unknown client as none, for get, update, rotation and delete alike', async () => {
    // Act
    const answers = await Promise.all([
      registry.getClient('nobody'),
      registry.updateClient('nobody', { name: 'x', scopes: [] }),
      registry.rotateSecret('nobody'),
      registry.deleteClient('nobody'),
    ])

    // Assess
    expect(answers).toEqual([undefined, undefined, undefined, undefined])
  })

  it('reaches Cognito at AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER when built from config', async () => {
    // Prepare
    const saved = { ...process.env }
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    })
    const fromConfig = callerRegistryFor(
      {
        region: 'us-east-1',
        token: { adminScope: 'admin' } as never,
        callers: {
          userPoolId,
          resourceServerIdentifier: 'switchboard',
          identityFile: undefined,
          managedClientIds: [],
          tokenValidityMinutes: 60,
        },
      },
      (_name, work) => work(),
    )

    // Act
    const scopes = await fromConfig.listScopes().finally(() => {
      process.env = saved
    })

    // Assess
    expect(scopes.map(({ scope }) => scope)).toEqual(['admin', 'weather:invoke'])
  })

  it('refuses to change, rotate or delete the Terraform-managed console client, sending Cognito no change, and marks it when listed', async () => {
    // Prepare: the console's public PKCE client, as terraform/cognito.tf makes it
    const { UserPoolClient: console } = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'switchboard-console',
        GenerateSecret: false,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: ['openid'],
        CallbackURLs: ['https://gateway.example/console/callback'],
      }),
    )
    const consoleId = console?.ClientId as string
    const app = await registry.createClient({ name: 'reports app', scopes: ['weather:invoke'] })
    const deps = {
      callers: registry,
      oneAtATime: ((_name, work) => work()) as OneAtATime,
      managedClientIds: [consoleId],
      // Refused before anything is revoked: a revocation would fail the refusal.
      revocations: {
        revoke: () => Promise.reject(new Error('a managed client was revoked')),
      },
    }
    const stored = structuredClone(cognito.client(consoleId))
    cognito.requests.length = 0

    // Act
    const refused = await Promise.all([
      updateClient(consoleId, { scopes: ['weather:invoke'] }, deps).catch(
        (error: unknown) => error,
      ),
      rotateClientSecret(consoleId, deps).catch((error: unknown) => error),
      deleteClient(consoleId, deps).catch((error: unknown) => error),
    ])
    const { clients: listed } = await listClients({}, deps)

    // Assess
    expect(refused.map((error) => error instanceof ManagedClientError)).toEqual([true, true, true])
    const changes = cognito.requests.filter(({ operation }) =>
      /^(Update|Delete|Add)UserPoolClient/.test(operation),
    )
    expect(changes).toEqual([])
    expect(cognito.client(consoleId)).toEqual(stored)
    expect(listed.find(({ clientId }) => clientId === consoleId)?.managedBy).toBe('terraform')
    expect(listed.find(({ clientId }) => clientId === app.clientId)).not.toHaveProperty('managedBy')
  })

  it('deletes the client it made when the Idempotency-Key cannot be marked, so no unseen secret works', async () => {
    // Prepare: the key's completion fails after Cognito made the client
    const logged: string[] = []
    const creations = {
      claim: async () => ({}),
      complete: async () => {
        throw new Error('DynamoDB throttled the completion')
      },
      release: async () => undefined,
    }

    // Act
    const failed = await createClient(
      { name: 'reports app', scopes: ['weather:invoke'] },
      {
        callers: registry,
        creations,
        managedClientIds: [],
        logError: (message) => logged.push(message),
        oneAtATime: (_name, work) => work(),
      },
      { key: 'key-1', ofAdmin: '["ops-admin","ops-console","key-1"]' },
    ).catch((error: unknown) => error)

    // Assess
    expect(failed).toEqual(new Error('DynamoDB throttled the completion'))
    const [created] = cognito.sent('CreateUserPoolClient')
    const [deleted] = cognito.sent('DeleteUserPoolClient')
    expect(created).toBeDefined()
    expect(deleted?.input.ClientId).toEqual(expect.any(String))
    expect(await registry.listClients()).toEqual([])
    expect(logged).toEqual([])
  })
})
