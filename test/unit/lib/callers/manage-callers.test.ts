import { describe, expect, it } from 'vitest'
import type {
  CallerClient,
  CallerRegistry,
  ScopeDefinition,
} from '../../../../lib/callers/caller-registry.ts'
import type { ClientCreations } from '../../../../lib/callers/client-creations.ts'
import {
  createClient,
  deleteClient,
  deleteScope,
  getClient,
  listClients,
  revokeClientTokens,
  rotateClientSecret,
  updateClient,
} from '../../../../lib/callers/manage-callers.ts'
import type { OneAtATime } from '../../../../lib/dynamo-lease.ts'
import {
  AdminScopeError,
  ClientDeleteUnfinishedError,
  ClientNotFoundError,
  IdentityProviderBusyError,
  ManagedClientError,
  RotationUnfinishedError,
  ScopeInUseError,
  ScopeNotFoundError,
  TokensNotRevokedError,
  UnknownScopeError,
} from '../../../../lib/errors.ts'
import type { Permission } from '../../../../lib/permissions/permission.ts'

/** An in-memory registry recording the changes it was asked for. */
const memoryCallers = (scopes: ScopeDefinition[], clients: CallerClient[]) => {
  const changes: string[] = []
  const callers: CallerRegistry = {
    listScopes: async () => scopes,
    putScope: async (scope) => {
      changes.push(`putScope ${scope.scope}`)
      return undefined
    },
    deleteScope: async (scope) => {
      changes.push(`deleteScope ${scope}`)
      return scopes.find((each) => each.scope === scope)
    },
    listClients: async () => clients,
    listClientPage: async () => ({ clients }),
    getClient: async (clientId) => clients.find((each) => each.clientId === clientId),
    createClient: async (client) => {
      changes.push(`createClient ${client.name}`)
      return { clientId: 'new-client', ...client, clientSecret: 'shown-once' }
    },
    updateClient: async (clientId, change) => {
      const before = clients.find((each) => each.clientId === clientId)
      if (!before) return undefined
      const after = {
        clientId,
        name: change.name ?? before.name,
        scopes: change.scopes ?? before.scopes,
      }
      changes.push(`updateClient ${clientId} ${after.name} ${after.scopes.join(' ')}`)
      return { before, after }
    },
    rotateSecret: async (clientId) => {
      changes.push(`rotateSecret ${clientId}`)
      return { clientId, clientSecret: 'rotated' }
    },
    deleteClient: async (clientId) => {
      changes.push(`deleteClient ${clientId}`)
      return clients.find((each) => each.clientId === clientId)
    },
  }
  /** Token revocations, recorded among the changes (their order is the point); `failing` from the nth. */
  const revoking = { failFrom: Number.POSITIVE_INFINITY, made: 0 }
  const revocations = {
    revoke: async (clientId: string) => {
      revoking.made += 1
      if (revoking.made >= revoking.failFrom) throw new Error('DynamoDB unavailable')
      changes.push(`revoke ${clientId}`)
      // A second long past: nothing waits for it to begin.
      return 1_700_000_000
    },
  }
  const failRevocationsFrom = (nth: number) => {
    revoking.failFrom = nth
  }
  return { callers, changes, revocations, failRevocationsFrom }
}

/** An admin's `Idempotency-Key`, as `adminIdempotencyKeyOf` reads it from a request. */
const adminKey = { key: 'key-1', ofAdmin: '["ops-admin","ops-console","key-1"]' }

const noCreations: ClientCreations = {
  claim: async () => ({}),
  complete: async () => undefined,
  release: async () => undefined,
}

const defined = [
  { scope: 'admin', description: 'admin' },
  { scope: 'reports:invoke', description: 'reports' },
  { scope: 'spare:invoke', description: 'unused' },
]
const reportsApp = { clientId: 'reports-app', name: 'reports', scopes: ['reports:invoke'] }
const permissionsOf = (permissions: Permission[]) => ({ list: async () => permissions })
/** What the steps logged as errors. */
const errorLog = () => {
  const logged: { message: string; details: Record<string, unknown> }[] = []
  return {
    logged,
    logError: (message: string, details: Record<string, unknown>) =>
      logged.push({ message, details }),
  }
}
/** One piece of work at a time per name, in this process, as the DynamoDB lease keeps them apart. */
const inTurn: OneAtATime = (() => {
  const ends = new Map<string, Promise<unknown>>()
  return (name, work) => {
    const run = (ends.get(name) ?? Promise.resolve()).then(work)
    ends.set(
      name,
      run.catch(() => undefined),
    )
    return run
  }
})()

/** What most steps are given besides their registry: no client Terraform owns, and the lease. */
const unmanaged = { managedClientIds: [], oneAtATime: inTurn }

describe('the callers admin steps', () => {
  it('refuses to delete the admin scope before asking the identity provider anything', async () => {
    // Prepare
    const { callers, changes } = memoryCallers(defined, [])

    // Act
    const refused = deleteScope('admin', {
      callers,
      oneAtATime: inTurn,
      permissions: permissionsOf([]),
      adminScope: 'admin',
    })

    // Assess
    await expect(refused).rejects.toBeInstanceOf(AdminScopeError)
    expect(changes).toEqual([])
  })

  it('refuses to delete a scope a permission or a client uses, naming both, and deletes an unused one', async () => {
    // Prepare
    const { callers, changes } = memoryCallers(defined, [reportsApp])
    const deps = {
      callers,
      oneAtATime: inTurn,
      permissions: permissionsOf([{ scope: 'reports:invoke', agents: ['weather'] }]),
      adminScope: 'admin',
    }

    // Act
    const inUse = await deleteScope('reports:invoke', deps).catch((error: unknown) => error)
    const unused = await deleteScope('spare:invoke', deps)
    const missing = await deleteScope('nothing:here', deps).catch((error: unknown) => error)

    // Assess
    expect(inUse).toBeInstanceOf(ScopeInUseError)
    expect(inUse).toMatchObject({ permissions: ['reports:invoke'], clients: ['reports-app'] })
    expect(unused).toEqual({ before: defined[2], after: undefined })
    expect(missing).toBeInstanceOf(ScopeNotFoundError)
    expect(changes).toEqual(['deleteScope spare:invoke'])
  })

  it('never lets a scope be deleted while a client naming it is created or changed: one of the two is refused', async () => {
    // Prepare: a registry that keeps its changes, each call a few turns of the event loop long.
    const scopes = new Map(defined.map((definition) => [definition.scope, definition]))
    const clients = new Map([[reportsApp.clientId, reportsApp]])
    const later = async () => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
    }
    const { callers: base } = memoryCallers(defined, [])
    const callers: CallerRegistry = {
      ...base,
      listScopes: async () => {
        await later()
        return [...scopes.values()]
      },
      listClients: async () => {
        await later()
        return [...clients.values()]
      },
      deleteScope: async (scope) => {
        await later()
        const before = scopes.get(scope)
        scopes.delete(scope)
        return before
      },
      createClient: async (client) => {
        await later()
        const made = { clientId: `app-${clients.size}`, ...client }
        clients.set(made.clientId, made)
        return { ...made, clientSecret: 'shown-once' }
      },
      updateClient: async (clientId, change) => {
        await later()
        const before = clients.get(clientId) as CallerClient
        const after = { ...before, ...change }
        clients.set(clientId, after)
        return { before, after }
      },
    }
    const deps = {
      callers,
      permissions: permissionsOf([]),
      adminScope: 'admin',
      creations: noCreations,
      revocations: { revoke: async () => 1_700_000_000 },
      ...errorLog(),
      ...unmanaged,
    }

    // Act: a deletion of spare:invoke beside a creation, then beside a change, naming it.
    const created = await Promise.allSettled([
      createClient({ name: 'spare app', scopes: ['spare:invoke'] }, deps),
      deleteScope('spare:invoke', deps),
    ])
    scopes.set('spare:invoke', defined[2] as ScopeDefinition)
    const changed = await Promise.allSettled([
      updateClient('reports-app', { scopes: ['reports:invoke', 'spare:invoke'] }, deps),
      deleteScope('spare:invoke', deps),
    ])

    // Assess: the scope stands with its client, or is gone with no client naming it.
    for (const outcomes of [created, changed]) {
      expect(outcomes.map(({ status }) => status).sort()).toEqual(['fulfilled', 'rejected'])
    }
    const naming = [...clients.values()].filter((client) => client.scopes.includes('spare:invoke'))
    expect(scopes.has('spare:invoke') ? naming.length > 0 : naming.length === 0).toBe(true)
  })

  it('refuses a client holding a scope that is not defined, creating nothing', async () => {
    // Prepare
    const { callers, changes } = memoryCallers(defined, [])

    // Act
    const refused = createClient(
      { name: 'billing', scopes: ['billing:read', 'reports:invoke'] },
      { callers, creations: noCreations, ...errorLog(), ...unmanaged },
    )

    // Assess
    await expect(refused).rejects.toMatchObject({
      constructor: UnknownScopeError,
      scopes: ['billing:read'],
    })
    expect(changes).toEqual([])
  })

  it('keeps the secret out of the change it returns for the audit trail', async () => {
    // Prepare
    const { callers } = memoryCallers(defined, [])

    // Act
    const created = await createClient(
      { name: 'reports', scopes: ['reports:invoke'] },
      { callers, creations: noCreations, ...errorLog(), ...unmanaged },
    )

    // Assess
    expect(JSON.stringify([created.before, created.after])).not.toContain('shown-once')
    expect(created.issued.clientSecret).toBe('shown-once')
  })

  it('answers a replayed Idempotency-Key with the same client and a new secret, creating none', async () => {
    // Prepare
    const { callers, changes } = memoryCallers(defined, [reportsApp])
    const claimed: string[] = []
    const creations = {
      ...noCreations,
      claim: async (key: string) => {
        claimed.push(key)
        return { clientId: 'reports-app' }
      },
    }

    // Act
    const replayed = await createClient(
      { name: 'reports', scopes: ['reports:invoke'] },
      { callers, creations, ...errorLog(), ...unmanaged },
      adminKey,
    )

    // Assess
    expect(claimed).toEqual([adminKey.ofAdmin])
    expect(replayed.replayed).toBe(true)
    expect(replayed.issued).toEqual({ ...reportsApp, clientSecret: 'rotated' })
    expect(changes).toEqual(['rotateSecret reports-app'])
  })

  it('says a replayed Idempotency-Key’s client was deleted since, and to use a new key', async () => {
    // Prepare
    const { callers, changes } = memoryCallers(defined, [])
    const creations = { ...noCreations, claim: async () => ({ clientId: 'reports-app' }) }

    // Act
    const replayed = createClient(
      { name: 'reports', scopes: ['reports:invoke'] },
      { callers, creations, ...errorLog(), ...unmanaged },
      adminKey,
    )

    // Assess
    await expect(replayed).rejects.toMatchObject({
      code: 'idempotency-key-spent',
      message:
        "Idempotency-Key 'key-1' created client 'reports-app', which has been deleted since; send a new key to create another.",
    })
    expect(changes).toEqual([])
  })

  it.each([
    ['both', { before: 'reports-app', after: 'reports-app' }],
    ['unknown', { before: 'reports-app', after: 'reports-app' }],
    ['old', undefined],
  ] as const)(
    'keeps an unfinished rotation in the trail unless the client holds its old secret alone (%s)',
    async (held, made) => {
      // Prepare
      const { callers } = memoryCallers(defined, [reportsApp])
      callers.rotateSecret = async (clientId) => {
        throw new RotationUnfinishedError(clientId, held, { cause: new Error('boom') })
      }

      // Act
      const rotated = rotateClientSecret('reports-app', { callers, ...unmanaged })

      // Assess
      const error = await rotated.catch((thrown: RotationUnfinishedError) => thrown)
      expect(error).toBeInstanceOf(RotationUnfinishedError)
      const { made: recorded } = error as RotationUnfinishedError
      expect(
        recorded && {
          before: (recorded.before as CallerClient).clientId,
          after: (recorded.after as CallerClient).clientId,
        },
      ).toEqual(made)
    },
  )

  it('patches a name alone, keeping the scopes, and names an unknown client', async () => {
    // Prepare
    const { callers, changes, revocations } = memoryCallers(defined, [reportsApp])

    // Act
    const renamed = await updateClient(
      'reports-app',
      { name: 'reporting' },
      { callers, revocations, ...unmanaged },
    )
    const unknown = await updateClient(
      'nobody',
      { name: 'x' },
      { callers, revocations, ...unmanaged },
    ).catch((error: unknown) => error)

    // Assess
    expect(renamed.after).toEqual({
      clientId: 'reports-app',
      name: 'reporting',
      scopes: ['reports:invoke'],
    })
    expect(unknown).toBeInstanceOf(ClientNotFoundError)
    expect(changes).toEqual(['updateClient reports-app reporting reports:invoke'])
  })

  it("revokes the client's tokens once a scope is taken away, never before, nor for a scope given", async () => {
    // Prepare
    const { callers, changes, revocations } = memoryCallers(defined, [reportsApp])
    const deps = { callers, revocations, ...unmanaged }

    // Act
    await updateClient('reports-app', { scopes: ['reports:invoke', 'spare:invoke'] }, deps)
    await updateClient('reports-app', { scopes: ['spare:invoke'] }, deps)

    // Assess
    expect(changes).toEqual([
      'updateClient reports-app reports reports:invoke spare:invoke',
      'updateClient reports-app reports spare:invoke',
      'revoke reports-app',
    ])
  })

  it('keeps a scope change whose revocation failed, in the audit trail too, and says how to finish it', async () => {
    // Prepare
    const { callers, revocations, failRevocationsFrom } = memoryCallers(defined, [reportsApp])
    failRevocationsFrom(1)

    // Act
    const failed = await updateClient(
      'reports-app',
      { scopes: ['spare:invoke'] },
      { callers, revocations, ...unmanaged },
    ).catch((error: unknown) => error)

    // Assess
    expect(failed).toBeInstanceOf(TokensNotRevokedError)
    expect(failed).toMatchObject({
      code: 'tokens-not-revoked',
      message:
        "Client 'reports-app' was changed, but the tokens it was issued before could not be revoked: they keep the scopes taken away until they expire. POST /admin/clients/reports-app/revoke-tokens to revoke them.",
      made: { before: reportsApp, after: { ...reportsApp, scopes: ['spare:invoke'] } },
    })
  })

  it('revokes a deleted client’s tokens before the delete and again after it, and a failed delete leaves it whole', async () => {
    // Prepare
    const { callers, changes, revocations } = memoryCallers(defined, [reportsApp])
    const busy = new IdentityProviderBusyError('DeleteUserPoolClient')
    const failing = {
      ...callers,
      deleteClient: async () => {
        throw busy
      },
    }

    // Act
    const failed = await deleteClient('reports-app', {
      callers: failing,
      revocations,
      ...unmanaged,
    }).catch((error: unknown) => error)
    const deleted = await deleteClient('reports-app', { callers, revocations, ...unmanaged })
    const missing = await deleteClient('nobody', { callers, revocations, ...unmanaged }).catch(
      (error: unknown) => error,
    )

    // Assess
    expect(failed).toBeInstanceOf(ClientDeleteUnfinishedError)
    expect(failed).toMatchObject({
      message:
        "Client 'reports-app' may not have been deleted: the identity provider did not answer in time. Its tokens issued until now are refused. DELETE it again to finish (a 404 then means the delete had gone through).",
      cause: busy,
      // The trail keeps the revocation the failed delete made.
      made: {
        action: 'client.revoke-tokens',
        before: null,
        after: { clientId: 'reports-app', tokensIssuedBefore: expect.any(String) },
      },
    })
    expect(deleted).toEqual({ before: reportsApp, after: undefined })
    expect(missing).toBeInstanceOf(ClientNotFoundError)
    expect(changes).toEqual([
      'revoke reports-app',
      'revoke reports-app',
      'deleteClient reports-app',
      'revoke reports-app',
      'revoke nobody',
      'deleteClient nobody',
    ])
  })

  it('passes on as it is a delete failure a retry would not mend, with no revocation claimed for the trail', async () => {
    // Prepare
    const { callers, revocations } = memoryCallers(defined, [reportsApp])
    const refused = Object.assign(
      new Error('User is not authorized to perform DeleteUserPoolClient'),
      {
        name: 'NotAuthorizedException',
      },
    )
    const failing = {
      ...callers,
      deleteClient: async () => {
        throw refused
      },
    }

    // Act
    const failed = await deleteClient('reports-app', {
      callers: failing,
      revocations,
      ...unmanaged,
    }).catch((error: unknown) => error)

    // Assess
    expect(failed).toBe(refused)
  })

  it('says a delete whose last revocation failed is made, and to delete again to finish', async () => {
    // Prepare: the revocation before the delete works, the one after fails
    const { callers, revocations, failRevocationsFrom } = memoryCallers(defined, [reportsApp])
    failRevocationsFrom(2)

    // Act
    const failed = await deleteClient('reports-app', {
      callers,
      revocations,
      ...unmanaged,
    }).catch((error: unknown) => error)

    // Assess
    expect(failed).toBeInstanceOf(TokensNotRevokedError)
    expect(failed).toMatchObject({
      message:
        "Client 'reports-app' was deleted, but a token it was issued while the delete ran could not be revoked. DELETE it again to revoke it (the answer is then 404).",
      made: { before: reportsApp, after: undefined },
    })
  })

  it("revokes any client's tokens on request, a Terraform-managed one's too, and names an unknown client", async () => {
    // Prepare
    const { callers, changes, revocations } = memoryCallers(defined, [reportsApp])

    // Act
    const revoked = await revokeClientTokens('reports-app', { callers, revocations })
    const unknown = await revokeClientTokens('nobody', { callers, revocations }).catch(
      (error: unknown) => error,
    )

    // Assess
    expect(revoked).toEqual({ before: reportsApp, after: reportsApp, issuedBefore: 1_700_000_000 })
    expect(unknown).toBeInstanceOf(ClientNotFoundError)
    expect(changes).toEqual(['revoke reports-app'])
  })

  it("deletes the client it made when the key cannot be marked, and fails with that error, not the cleanup's", async () => {
    // Prepare: the key's claim cannot be completed, nor given up
    const { callers, changes } = memoryCallers(defined, [])
    const log = errorLog()
    const creations: ClientCreations = {
      claim: async () => ({}),
      complete: async () => {
        throw new Error('DynamoDB throttled the completion')
      },
      release: async () => {
        throw new Error('DynamoDB throttled the release')
      },
    }

    // Act
    const failed = createClient(
      { name: 'reports', scopes: ['reports:invoke'] },
      { callers, creations, ...log, ...unmanaged },
      adminKey,
    )

    // Assess: no client with a secret nobody saw is left working
    await expect(failed).rejects.toThrow('DynamoDB throttled the completion')
    expect(changes).toEqual(['createClient reports', 'deleteClient new-client'])
    expect(log.logged.map(({ message }) => message)).toEqual([
      expect.stringContaining('Idempotency-Key not released'),
    ])
  })

  it("fails with the creation's own error when giving the key up fails too", async () => {
    // Prepare
    const { callers } = memoryCallers(defined, [])
    const log = errorLog()
    const creations: ClientCreations = {
      ...noCreations,
      release: async () => {
        throw new Error('DynamoDB throttled the release')
      },
    }
    const refusing = {
      ...callers,
      createClient: async () => {
        throw new Error('Cognito refused the client')
      },
    }

    // Act
    const failed = createClient(
      { name: 'reports', scopes: ['reports:invoke'] },
      { callers: refusing, creations, ...log, ...unmanaged },
      adminKey,
    )

    // Assess
    await expect(failed).rejects.toThrow('Cognito refused the client')
    expect(log.logged).toHaveLength(1)
  })

  it('logs the client left working, naming it, when it cannot be deleted after a failed completion', async () => {
    // Prepare
    const { callers } = memoryCallers(defined, [])
    const log = errorLog()
    const creations: ClientCreations = {
      ...noCreations,
      complete: async () => {
        throw new Error('DynamoDB throttled the completion')
      },
    }
    const undeletable = {
      ...callers,
      deleteClient: async () => {
        throw new Error('Cognito throttled the delete')
      },
    }

    // Act
    const failed = createClient(
      { name: 'reports', scopes: ['reports:invoke'] },
      { callers: undeletable, creations, ...log, ...unmanaged },
      adminKey,
    )

    // Assess
    await expect(failed).rejects.toThrow('DynamoDB throttled the completion')
    expect(log.logged).toEqual([
      {
        message: expect.stringContaining('delete it by hand'),
        details: expect.objectContaining({ clientId: 'new-client' }),
      },
    ])
  })

  it('refuses to change, rotate or delete a client Terraform manages, asking the identity provider nothing', async () => {
    // Prepare
    const { callers, changes, revocations } = memoryCallers(defined, [reportsApp])
    const deps = { callers, revocations, managedClientIds: ['reports-app'], oneAtATime: inTurn }

    // Act
    const refused = await Promise.all([
      updateClient('reports-app', { name: 'renamed' }, deps).catch((error: unknown) => error),
      rotateClientSecret('reports-app', deps).catch((error: unknown) => error),
      deleteClient('reports-app', deps).catch((error: unknown) => error),
    ])

    // Assess
    for (const error of refused) {
      expect(error).toBeInstanceOf(ManagedClientError)
      expect((error as Error).message).toContain('managed by Terraform; change it there')
    }
    expect(changes).toEqual([])
  })

  it('marks the clients Terraform manages in a listing and a read, and no other', async () => {
    // Prepare
    const sample = { clientId: 'sample-app', name: 'sample', scopes: ['reports:invoke'] }
    const { callers } = memoryCallers(defined, [reportsApp, sample])
    const deps = { callers, managedClientIds: ['sample-app'] }

    // Act
    const { clients: listed } = await listClients({}, deps)
    const read = await getClient('sample-app', deps)

    // Assess
    expect(listed).toEqual([reportsApp, { ...sample, managedBy: 'terraform' }])
    expect(read).toEqual({ ...sample, managedBy: 'terraform' })
  })

  it('marks a client whose tokens the gateway refuses, since it accepts only those it lists, when made, listed and read', async () => {
    // Prepare: the stack accepts its own clients only (restrict_client_ids).
    const sample = { clientId: 'sample-app', name: 'sample', scopes: ['reports:invoke'] }
    const { callers } = memoryCallers(defined, [reportsApp, sample])
    const deps = {
      callers,
      creations: noCreations,
      ...errorLog(),
      managedClientIds: ['sample-app'],
      allowedClientIds: ['sample-app'],
      oneAtATime: inTurn,
    }

    // Act
    const created = await createClient({ name: 'billing', scopes: ['reports:invoke'] }, deps)
    const { clients: listed } = await listClients({}, deps)
    const read = await getClient('reports-app', deps)

    // Assess
    expect(created.issued).toEqual({
      clientId: 'new-client',
      name: 'billing',
      scopes: ['reports:invoke'],
      clientSecret: 'shown-once',
      tokensRefused: true,
    })
    expect(listed).toEqual([
      { ...reportsApp, tokensRefused: true },
      { ...sample, managedBy: 'terraform' },
    ])
    expect(read).toEqual({ ...reportsApp, tokensRefused: true })
  })

  it('marks no client refused when the gateway accepts every client of its identity provider', async () => {
    // Prepare
    const { callers } = memoryCallers(defined, [reportsApp])
    const deps = { callers, creations: noCreations, ...errorLog(), ...unmanaged }

    // Act
    const created = await createClient({ name: 'billing', scopes: ['reports:invoke'] }, deps)
    const { clients: listed } = await listClients({}, deps)

    // Assess
    expect(created.issued).not.toHaveProperty('tokensRefused')
    expect(listed).toEqual([reportsApp])
  })
})
