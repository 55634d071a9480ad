import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PreconditionFailedError } from '../../lib/errors.ts'
import type { Permission, StoredPermission } from '../../lib/permissions/permission.ts'
import { permissionETag } from '../../lib/permissions/permission-etag.ts'
import { DynamoPermissionStore } from '../../lib/permissions/permission-store.ts'
import { tableName } from '../../lib/tables.ts'
import { seed, seedPermissions } from '../../local/seed.ts'

import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

/** Requests that only read: every other one a store sends writes. */
const reads = new Set(['GetCommand', 'BatchGetCommand', 'ScanCommand', 'QueryCommand'])

/**
 * The client, except that `meanwhile` runs once, just before the first write sent through it:
 * the moment another admin's request can land between what a call read and what it writes.
 */
const writingAfter = (
  client: DynamoDBDocumentClient,
  meanwhile: () => Promise<unknown>,
): DynamoDBDocumentClient => {
  let pending: (() => Promise<unknown>) | undefined = meanwhile
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver)
      return async (command: object, ...rest: unknown[]) => {
        const run = pending
        if (run && !reads.has(command.constructor.name)) {
          pending = undefined
          await run()
        }
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest)
      }
    },
  })
}

describe.each(databaseEngines)('permission store on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let client: DynamoDBDocumentClient
  let store: DynamoPermissionStore

  beforeAll(async () => {
    database = await startDatabase('perm-')
    client = documentClientOn(database)
    store = new DynamoPermissionStore(client, tableName('permissions', 'perm-'))
  })
  afterAll(() => database.stop())

  it('reads the permissions of all of a caller’s scopes, past one batch of 100', async () => {
    // Prepare
    for (let i = 0; i < 130; i++) {
      await store.put({ scope: `team-${i}:invoke`, agents: [`agent-${i}`] })
    }
    const scopes = Array.from({ length: 130 }, (_, i) => `team-${i}:invoke`)

    // Act
    const found = await store.forScopes([...scopes, 'unknown:scope', 'team-0:invoke'])

    // Assess
    expect(found).toHaveLength(130)
    expect(found.find((permission) => permission.scope === 'team-129:invoke')?.agents).toEqual([
      'agent-129',
    ])
  })

  it('finds nothing for a caller with no known scope', async () => {
    // Assess
    expect(await store.forScopes(['nobody:here'])).toEqual([])
    expect(await store.forScopes([])).toEqual([])
  })
  it('takes a removed agent out of every permission, and drops a permission left with none', async () => {
    // Prepare
    await store.put({ scope: 'solo:invoke', agents: ['gone'] })
    await store.put({
      scope: 'pair:invoke',
      agents: ['gone', 'kept'],
      operations: ['GetTask'],
      agentLimits: { gone: 3, kept: 4 },
    })
    await store.put({ scope: 'other:invoke', agents: ['kept'] })

    // Act
    const before = await store.removeAgent('gone')
    const again = await store.removeAgent('gone')

    // Assess
    expect(before.map(({ scope }) => scope)).toEqual(['pair:invoke', 'solo:invoke'])
    expect(again).toEqual([])
    expect(await store.forScopes(['solo:invoke', 'pair:invoke', 'other:invoke'])).toEqual(
      expect.arrayContaining([
        {
          scope: 'pair:invoke',
          agents: ['kept'],
          operations: ['GetTask'],
          agentLimits: { kept: 4 },
        },
        { scope: 'other:invoke', agents: ['kept'] },
      ]),
    )
    expect(await store.forScopes(['solo:invoke'])).toEqual([])
  })

  it('takes out an agent a permission names only by a limit of its own', async () => {
    // Prepare
    await store.put({
      scope: 'limited:invoke',
      agents: ['kept'],
      agentLimits: { gone: 5, kept: 7 },
    })

    // Act
    const before = await store.removeAgent('gone')

    // Assess
    expect(before.map(({ scope }) => scope)).toEqual(['limited:invoke'])
    expect(await store.forScopes(['limited:invoke'])).toEqual([
      { scope: 'limited:invoke', agents: ['kept'], agentLimits: { kept: 7 } },
    ])
  })

  it('leaves permissions alone when the removed agent is named like an object built-in', async () => {
    // Prepare
    await store.put({ scope: 'limited:invoke', agents: ['kept'], agentLimits: { kept: 4 } })

    // Act
    const touched = await store.removeAgent('constructor')

    // Assess
    expect(touched).toEqual([])
  })

  // DELETE /admin/agents/{id} takes the agent out of every permission (removeAgent) while
  // another admin's PUT /admin/permissions/{scope}, answered 200, lands between the permissions
  // read and their write: the end state is the PUT's permission without the agent.
  it.each<{
    case: string
    agentId: string
    before: Omit<Permission, 'scope'>
    put: Omit<Permission, 'scope'>
    after: Omit<Permission, 'scope'> | undefined
  }>([
    {
      case: 'keeps an agent the PUT added',
      agentId: 'gone-1',
      before: { agents: ['gone-1', 'b'] },
      put: { agents: ['gone-1', 'b', 'c'] },
      after: { agents: ['b', 'c'] },
    },
    {
      case: 'keeps the order and agents of a list the PUT rewrote',
      agentId: 'gone-2',
      before: { agents: ['b', 'gone-2'] },
      put: { agents: ['gone-2', 'c', 'b'] },
      after: { agents: ['c', 'b'] },
    },
    {
      case: 'keeps a permission the PUT gave a second agent, which was to be removed',
      agentId: 'gone-3',
      before: { agents: ['gone-3'] },
      put: { agents: ['gone-3', 'c'], agentLimits: { 'gone-3': 2, c: 3 } },
      after: { agents: ['c'], agentLimits: { c: 3 } },
    },
    {
      case: 'keeps the operations and limits the PUT changed',
      agentId: 'gone-4',
      before: { agents: ['gone-4', 'b'], agentLimits: { 'gone-4': 1, b: 2 } },
      put: {
        agents: ['gone-4', 'b'],
        operations: ['GetTask'],
        agentLimits: { 'gone-4': 1, b: 5 },
        taskAccess: 'all',
      },
      after: { agents: ['b'], operations: ['GetTask'], agentLimits: { b: 5 }, taskAccess: 'all' },
    },
    {
      case: 'removes a permission the PUT left with the agent alone',
      agentId: 'gone-5',
      before: { agents: ['gone-5', 'b'] },
      put: { agents: ['gone-5'] },
      after: undefined,
    },
    {
      case: 'takes out the agent the PUT named twice',
      agentId: 'gone-6',
      before: { agents: ['gone-6', 'b'] },
      put: { agents: ['b', 'gone-6', 'c', 'gone-6'] },
      after: { agents: ['b', 'c'] },
    },
  ])(
    'takes a revoked agent out of a permission PUT meanwhile, and no more: $case',
    async ({ agentId, before, put, after }) => {
      // Prepare
      const scope = `held-${agentId}:invoke`
      await store.put({ scope, ...before })
      const revoking = new DynamoPermissionStore(
        writingAfter(client, () => store.put({ scope, ...put })),
        tableName('permissions', 'perm-'),
      )

      // Act
      await revoking.removeAgent(agentId)

      // Assess
      expect(await store.forScopes([scope])).toEqual(after ? [{ scope, ...after }] : [])
    },
  )

  it('leaves a permission deleted while the agent is revoked deleted', async () => {
    // Prepare
    const scope = 'deleted-meanwhile:invoke'
    await store.put({ scope, agents: ['gone-7', 'b'] })
    const revoking = new DynamoPermissionStore(
      writingAfter(client, () => store.delete(scope)),
      tableName('permissions', 'perm-'),
    )

    // Act
    const revoked = await revoking.removeAgent('gone-7')

    // Assess
    expect(revoked).toEqual([])
    expect(await store.forScopes([scope])).toEqual([])
  })

  it('takes out an agent a permission names more often than one write can take', async () => {
    // Prepare: at most 2,000 agents, repeats included, within DynamoDB's 4 KB expressions.
    const scope = 'repeated:invoke'
    await store.put({ scope, agents: [...Array(250).fill('gone-8'), 'b', 'gone-8'] })

    // Act
    const revoked = await store.removeAgent('gone-8')

    // Assess
    expect(revoked.map((permission) => permission.scope)).toEqual([scope])
    expect(await store.forScopes([scope])).toEqual([{ scope, agents: ['b'] }])
  })

  describe('a permission written by a later version (an attribute this one does not know)', () => {
    // As a rollback leaves it: the release before taskAccess met the seed's tasks:read so.
    const later = { scope: 'later:invoke', agents: ['gone-9', 'b'], laterField: 'x' }
    const putLater = () =>
      client.send(new PutCommand({ TableName: tableName('permissions', 'perm-'), Item: later }))

    it("grants nothing, says so, and leaves the token's other scopes granting", async () => {
      // Prepare
      await putLater()
      await store.put({ scope: 'other:invoke', agents: ['b'] })
      const warnings: unknown[] = []
      const warned = new DynamoPermissionStore(client, tableName('permissions', 'perm-'), {
        warn: (message, details) => warnings.push({ message, details }),
      })

      // Act
      const found = await warned.forScopes(['later:invoke', 'other:invoke'])

      // Assess
      expect(found).toEqual([{ scope: 'other:invoke', agents: ['b'] }])
      expect(warnings).toEqual([
        expect.objectContaining({ details: expect.objectContaining({ scope: 'later:invoke' }) }),
      ])
    })

    it('grants by its fields when the attribute is `version` (a later release’s ETag for it)', async () => {
      // Prepare: as a release that versions permissions would leave it after a rollback to this one.
      const versioned = { scope: 'versioned:invoke', agents: ['b'], operations: ['GetTask'] }
      await client.send(
        new PutCommand({
          TableName: tableName('permissions', 'perm-'),
          Item: { ...versioned, version: 7 },
        }),
      )

      // Act
      const found = await store.forScopes([versioned.scope])

      // Assess
      expect(found).toEqual([versioned])
    })

    it('gets a new `version` when an agent is taken out of it, so an ETag read before no longer matches', async () => {
      // Prepare
      const versioned = { scope: 'versioned-out:invoke', agents: ['gone-7', 'b'], version: 4 }
      await client.send(
        new PutCommand({ TableName: tableName('permissions', 'perm-'), Item: versioned }),
      )

      // Act
      await store.removeAgent('gone-7')

      // Assess
      const listed = (await store.list()).find(({ scope }) => scope === versioned.scope)
      expect(listed).toEqual({ scope: versioned.scope, agents: ['b'], version: expect.any(Number) })
      expect(listed?.version).not.toBe(4)
    })

    it('is listed, replaced and deleted with its attribute shown, and an agent taken out of it', async () => {
      // Prepare
      await putLater()

      // Act
      const listed = (await store.list()).find(({ scope }) => scope === later.scope)
      const revoked = await store.removeAgent('gone-9')
      const replaced = await store.put({ scope: later.scope, agents: ['b'] })
      await putLater()
      const deleted = await store.delete(later.scope)

      // Assess
      expect(listed).toEqual(later)
      expect(revoked).toEqual([later])
      // The take-out gave it a version of its own (every change of a permission writes one).
      expect(replaced).toEqual({ ...later, agents: ['b'], version: expect.any(Number) })
      expect(deleted).toEqual(later)
    })

    it('is listed, and an agent taken out of it, when a field holds a value this one does not know', async () => {
      // Prepare: a later release's operation, or a taskAccess beyond own and all.
      const newer = {
        scope: 'newer:invoke',
        agents: ['gone-8', 'b'],
        operations: ['SendMessage', 'SomeLaterOperation'],
        taskAccess: 'team',
      }
      await client.send(
        new PutCommand({ TableName: tableName('permissions', 'perm-'), Item: newer }),
      )
      await store.put({ scope: 'newer-other:invoke', agents: ['b'] })

      // Act
      const listed = (await store.list()).find(({ scope }) => scope === newer.scope)
      const revoked = await store.removeAgent('gone-8')
      const granted = await store.forScopes([newer.scope])
      const pushGrants = await store.grantsForScopes([newer.scope, 'newer-other:invoke'])

      // Assess: before, each admin read threw (GET /admin/permissions a 400, an agent's delete a 503).
      expect(listed).toEqual(newer)
      expect(revoked).toEqual([newer])
      expect(granted).toEqual([])
      // The push checks' read grants nothing by it too (it threw a ZodError).
      expect(pushGrants).toEqual([{ scope: 'newer-other:invoke', agents: ['b'] }])
    })
  })

  describe('a change sent with If-Match (the ETag a read showed)', () => {
    const table = tableName('permissions', 'perm-')
    /** The permission of the scope as stored now, and its tag. */
    const read = async (scope: string) => {
      const stored = (await store.list()).find((permission) => permission.scope === scope)
      return { stored, etag: stored && permissionETag(stored) }
    }
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      )

    it('finds a version on the permissions npm start seeds, as on every write, not a content tag', async () => {
      // Act
      await seedPermissions(client, 'perm-')

      // Assess: each as a PUT would have stored it, its tag its version's
      const listed = await store.list()
      for (const { scope } of seed.permissions) {
        expect(listed.find((permission) => permission.scope === scope)).toMatchObject({
          scope,
          version: expect.any(Number),
        })
      }
    })

    it('writes at the version it names, and answers a new version', async () => {
      // Prepare
      const scope = 'etag-current:invoke'
      await store.put({ scope, agents: ['a'] })
      const { etag } = await read(scope)

      // Act
      const { after } = await store.write({ scope, agents: ['a', 'b'] }, { tags: [etag as string] })

      // Assess
      const now = await read(scope)
      expect(now.stored).toEqual({ scope, agents: ['a', 'b'], version: after.version })
      expect(now.etag).not.toBe(etag)
    })

    it('defines a permission with If-None-Match: * only where the scope has none, else a 412 naming its tag', async () => {
      // Prepare: two admins saw no permission for the scope; the first one's lands.
      const scope = 'etag-create:invoke'
      const first = await store.write({ scope, agents: ['a'] }, undefined, true)
      const current = await read(scope)

      // Act
      const refused = await refusal(store.write({ scope, agents: ['b'] }, undefined, true))

      // Assess
      expect(first.before).toBeUndefined()
      expect(refused).toBeInstanceOf(PreconditionFailedError)
      expect((refused as PreconditionFailedError).currentEtag).toBe(current.etag)
      expect((refused as Error).message).toMatch(/has a permission already/)
      expect((await read(scope)).stored).toEqual(current.stored)
    })

    it('refuses a stale one with a 412 naming the tag now, and writes nothing', async () => {
      // Prepare: two admins read one version; the first one's change lands.
      const scope = 'etag-stale:invoke'
      await store.put({ scope, agents: ['a'] })
      const { etag } = await read(scope)
      await store.write({ scope, agents: ['a', 'first'] }, { tags: [etag as string] })
      const current = await read(scope)

      // Act
      const refused = await refusal(
        store.write({ scope, agents: ['a', 'second'] }, { tags: [etag as string] }),
      )
      const deleteRefused = await refusal(store.delete(scope, { tags: [etag as string] }))

      // Assess
      for (const error of [refused, deleteRefused]) {
        expect(error).toBeInstanceOf(PreconditionFailedError)
        expect((error as PreconditionFailedError).currentEtag).toBe(current.etag)
      }
      expect((await read(scope)).stored).toEqual(current.stored)
    })

    it('refuses a change landing between its read and its write (the condition, not the read)', async () => {
      // Prepare
      const scope = 'etag-race:invoke'
      await store.put({ scope, agents: ['a'] })
      const { etag } = await read(scope)
      const racing = new DynamoPermissionStore(
        writingAfter(client, () => store.put({ scope, agents: ['a', 'meanwhile'] })),
        table,
      )

      // Act
      const refused = await refusal(
        racing.write({ scope, agents: ['a', 'mine'] }, { tags: [etag as string] }),
      )

      // Assess
      const now = await read(scope)
      expect(refused).toBeInstanceOf(PreconditionFailedError)
      expect((refused as PreconditionFailedError).currentEtag).toBe(now.etag)
      expect(now.stored?.agents).toEqual(['a', 'meanwhile'])
    })

    it('refuses a tag read before an agent was taken out of it, so the agent is never put back', async () => {
      // Prepare: an admin reads the permission; the agent's delete takes it out.
      const scope = 'etag-revoked:invoke'
      await store.put({ scope, agents: ['etag-gone', 'b'] })
      const { etag } = await read(scope)
      await store.removeAgent('etag-gone')

      // Act
      const refused = await refusal(
        store.write({ scope, agents: ['etag-gone', 'b', 'c'] }, { tags: [etag as string] }),
      )

      // Assess
      expect(refused).toBeInstanceOf(PreconditionFailedError)
      expect((await read(scope)).stored?.agents).toEqual(['b'])
    })

    it('refuses a tag of a permission deleted and defined again since', async () => {
      // Prepare
      const scope = 'etag-reborn:invoke'
      await store.put({ scope, agents: ['a'] })
      const { etag } = await read(scope)
      await store.delete(scope)
      await store.put({ scope, agents: ['a'] })

      // Act
      const refused = await refusal(store.delete(scope, { tags: [etag as string] }))

      // Assess
      expect(refused).toBeInstanceOf(PreconditionFailedError)
      expect((await read(scope)).stored).toBeDefined()
    })

    it('refuses any tag, and *, for a scope with no permission: a 412 naming none', async () => {
      // Act
      const refusals = await Promise.all([
        refusal(store.write({ scope: 'etag-none:invoke', agents: ['a'] }, { any: true })),
        refusal(store.delete('etag-none:invoke', { tags: ['"x"'] })),
      ])

      // Assess
      for (const error of refusals) {
        expect(error).toBeInstanceOf(PreconditionFailedError)
        expect((error as PreconditionFailedError).currentEtag).toBeUndefined()
      }
      expect((await read('etag-none:invoke')).stored).toBeUndefined()
    })

    it('deletes at the version it names', async () => {
      // Prepare
      const scope = 'etag-delete:invoke'
      await store.put({ scope, agents: ['a'] })
      const { etag } = await read(scope)

      // Act
      const deleted = await store.delete(scope, { tags: [etag as string] })

      // Assess
      expect(deleted?.agents).toEqual(['a'])
      expect((await read(scope)).stored).toBeUndefined()
    })

    it('matches one written before versions (or by the release before) by its content', async () => {
      // Prepare: as the release before this one writes it, without `version`.
      const scope = 'etag-unversioned:invoke'
      const unversioned: StoredPermission = { scope, agents: ['a'], requestsPerMinute: 5 }
      const putUnversioned = (item: StoredPermission) =>
        client.send(new PutCommand({ TableName: table, Item: item }))
      await putUnversioned(unversioned)
      const { etag } = await read(scope)
      await putUnversioned({ ...unversioned, requestsPerMinute: 6 })

      // Act: the tag of the content read is refused once that release changed it.
      const refused = await refusal(
        store.write({ scope, agents: ['a'] }, { tags: [etag as string] }),
      )
      const current = await read(scope)
      await store.write({ scope, agents: ['a', 'b'] }, { tags: [current.etag as string] })

      // Assess
      expect(etag).toBe(permissionETag(unversioned))
      expect(refused).toBeInstanceOf(PreconditionFailedError)
      expect((await read(scope)).stored).toEqual({
        scope,
        agents: ['a', 'b'],
        version: expect.any(Number),
      })
    })
  })
})
