import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PermissionsPage, permissionsPage } from '../../lib/admin/permissions-page.ts'
import { DynamoPermissionStore } from '../../lib/permissions/permission-store.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

/** 2,000 agents (the most one permission may name), each with a limit: some 240 KB a permission. */
const agents = Array.from(
  { length: 2000 },
  (_, i) => `agent-${String(i).padStart(4, '0')}-${'x'.repeat(52)}`,
)

/** The six permissions the store holds, in order of scope. */
const scopes = Array.from({ length: 6 }, (_, i) => `fleet:team-${i}`)

describe.each(databaseEngines)('GET /admin/permissions on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let store: DynamoPermissionStore

  beforeAll(async () => {
    database = await startDatabase('permpage-')
    store = new DynamoPermissionStore(
      documentClientOn(database),
      tableName('permissions', 'permpage-'),
    )
    for (const scope of scopes) {
      await store.put({
        scope,
        agents,
        agentLimits: Object.fromEntries(agents.map((agentId) => [agentId, 1000])),
      })
    }
  })
  afterAll(() => database.stop())

  it('answers permissions that fit 5 MiB on one page with no cursor, past the database’s 1 MB a read (a client that reads one page sees them all)', async () => {
    // Act: six permissions of some 240 KB, 1.5 MB together
    const page = await permissionsPage({}, store)

    // Assess
    expect(page.permissions.map(({ scope }) => scope)).toEqual(scopes)
    expect(page.cursor).toBeUndefined()
  })

  it('pages on past a permission deleted after its page, the last one shown: none left out, none twice', async () => {
    // Act: a page of two, the last permission it showed (the cursor's) deleted, then the rest
    const first = await permissionsPage({ limit: '2' }, store)
    const cursorScope = Buffer.from(first.cursor as string, 'base64url').toString()
    await store.delete(cursorScope)
    const rest: string[] = []
    let cursor: string | undefined = first.cursor
    while (cursor !== undefined) {
      const page: PermissionsPage = await permissionsPage({ limit: '2', cursor }, store)
      rest.push(...page.permissions.map(({ scope }) => scope as string))
      cursor = page.cursor
    }

    // Assess
    const seen = [...first.permissions.map(({ scope }) => scope), ...rest]
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.sort()).toEqual(scopes)
  })
})
