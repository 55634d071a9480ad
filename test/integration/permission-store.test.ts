import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoPermissionStore } from '../../lib/permissions/permission-store.ts'
import { tableName } from '../../lib/tables.ts'

import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('permission store on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let store: DynamoPermissionStore

  beforeAll(async () => {
    database = await startDatabase('perm-')
    const client = documentClientOn(database)
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

  it('leaves permissions alone when the removed agent is named like an object built-in', async () => {
    // Prepare
    await store.put({ scope: 'limited:invoke', agents: ['kept'], agentLimits: { kept: 4 } })

    // Act
    const touched = await store.removeAgent('constructor')

    // Assess
    expect(touched).toEqual([])
  })
})
