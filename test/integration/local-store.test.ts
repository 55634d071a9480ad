import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tableName } from '../../lib/tables.ts'
import {
  type LocalDatabase,
  localDatabaseClient,
  startLocalDatabase,
} from '../../local/database.ts'
import { installJournaledStore, journalFile, migratedDir } from '../../local/journaled-store.ts'
import { startInProcessDynalite } from '../support/in-process-dynalite.ts'

const prefix = 'store-'

/** What a developer's state folder holds: a registration, a permission, an audit entry. */
const developerData = [
  new PutItemCommand({
    TableName: tableName('agents', prefix),
    Item: { agentId: { S: 'echo' }, backendUrl: { S: 'http://127.0.0.1:9/' } },
  }),
  new PutItemCommand({
    TableName: tableName('permissions', prefix),
    Item: { scope: { S: 'reports:invoke' }, agents: { SS: ['echo'] } },
  }),
  new PutItemCommand({
    TableName: tableName('audit', prefix),
    Item: {
      id: { S: 'a1' },
      feed: { S: 'all' },
      agentId: { S: 'echo' },
      actor: { S: 'admin-client' },
      sortKey: { S: '2026-12-05T00:00:00Z#a1' },
      action: { S: 'agent.register' },
    },
  }),
]

/** The developer's data read back through the DynamoDB API, an index included. */
const readBack = async (database: LocalDatabase) => {
  const client = localDatabaseClient(database.endpoint)
  try {
    const agent = await client.send(
      new GetItemCommand({
        TableName: tableName('agents', prefix),
        Key: { agentId: { S: 'echo' } },
      }),
    )
    const permission = await client.send(
      new GetItemCommand({
        TableName: tableName('permissions', prefix),
        Key: { scope: { S: 'reports:invoke' } },
      }),
    )
    const byAgent = await client.send(
      new QueryCommand({
        TableName: tableName('audit', prefix),
        IndexName: 'byAgent',
        KeyConditionExpression: 'agentId = :agent',
        ExpressionAttributeValues: { ':agent': { S: 'echo' } },
      }),
    )
    return {
      backendUrl: agent.Item?.backendUrl?.S,
      agents: permission.Item?.agents?.SS,
      audit: byAgent.Items?.map((item) => item.action?.S),
    }
  } finally {
    client.destroy()
  }
}

/** The previous version's store (dynalite on LevelDB: this file's dynalite has no journal) given `commands`. */
const runPreviousVersion = async (dir: string, commands: PutItemCommand[]) => {
  const old = await startInProcessDynalite(prefix, { path: dir })
  const client = localDatabaseClient(old.endpoint)
  for (const command of commands) await client.send(command)
  client.destroy()
  await old.stop()
}

const developerDataRead = {
  backendUrl: 'http://127.0.0.1:9/',
  agents: ['echo'],
  audit: ['agent.register'],
}

describe('the local database on disk (journaled store)', () => {
  let stateDir: string
  let dir: string
  const running: LocalDatabase[] = []

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'switchboard-local-store-'))
    dir = join(stateDir, 'db')
  })
  afterEach(async () => {
    for (const database of running.splice(0)) await database.stop()
    rmSync(stateDir, { recursive: true, force: true })
  })

  it("keeps a state folder the previous version wrote (LevelDB): its data read back through the DynamoDB API, LevelDB's files moved aside", async () => {
    // Prepare
    await runPreviousVersion(dir, developerData)
    expect(existsSync(join(dir, 'CURRENT'))).toBe(true)

    // Act
    const upgraded = await startLocalDatabase({ dir, tablePrefix: prefix })
    running.push(upgraded)
    const afterUpgrade = await readBack(upgraded)
    await upgraded.stop()
    const restarted = await startLocalDatabase({ dir, tablePrefix: prefix })
    running.push(restarted)
    const afterRestart = await readBack(restarted)

    // Assess
    expect(afterUpgrade).toEqual(developerDataRead)
    expect(afterRestart).toEqual(developerDataRead)
    expect(existsSync(join(dir, journalFile))).toBe(true)
    expect(existsSync(join(dir, 'CURRENT'))).toBe(false)
    expect(readdirSync(join(dir, migratedDir))).toContain('CURRENT')
  })

  it("finishes a migration cut short while moving LevelDB's files (the journal whole): the data kept, every file moved aside", async () => {
    // Prepare: a migration done, then put back as a crash mid-move leaves it: CURRENT (moved last)
    // and one more file still in the folder, the rest moved.
    await runPreviousVersion(dir, developerData)
    const migrated = await startLocalDatabase({ dir, tablePrefix: prefix })
    await migrated.stop()
    const moved = readdirSync(join(dir, migratedDir)).sort()
    const notYetMoved = ['CURRENT', moved.find((name) => name.startsWith('MANIFEST-')) ?? '']
    for (const name of notYetMoved) renameSync(join(dir, migratedDir, name), join(dir, name))

    // Act
    const resumed = await startLocalDatabase({ dir, tablePrefix: prefix })
    running.push(resumed)

    // Assess
    expect(await readBack(resumed)).toEqual(developerDataRead)
    expect(readdirSync(dir).sort()).toEqual([journalFile, migratedDir, 'lock'])
    expect(readdirSync(join(dir, migratedDir)).sort()).toEqual(moved)
  })

  it('moves the LevelDB an older version wrote on a migrated folder to a timestamped folder, the first one untouched, and reads the journal', async () => {
    // Prepare: migrated, then an older version run again on the folder (a fresh LevelDB of its own).
    await runPreviousVersion(dir, developerData)
    const migrated = await startLocalDatabase({ dir, tablePrefix: prefix })
    await migrated.stop()
    const firstAside = readdirSync(join(dir, migratedDir)).sort()
    await runPreviousVersion(dir, [
      new PutItemCommand({
        TableName: tableName('agents', prefix),
        Item: { agentId: { S: 'echo' }, backendUrl: { S: 'http://127.0.0.1:8/older-run' } },
      }),
    ])
    expect(existsSync(join(dir, 'CURRENT'))).toBe(true)

    // Act
    const restarted = await startLocalDatabase({ dir, tablePrefix: prefix })
    running.push(restarted)

    // Assess
    expect(await readBack(restarted)).toEqual(developerDataRead)
    const folders = readdirSync(dir).sort()
    const timestamped = folders.filter((name) => name.startsWith(`${migratedDir}-`))
    expect(timestamped).toHaveLength(1)
    expect(folders).toEqual([journalFile, migratedDir, ...timestamped, 'lock'].sort())
    expect(readdirSync(join(dir, timestamped[0] ?? ''))).toContain('CURRENT')
    expect(readdirSync(join(dir, migratedDir)).sort()).toEqual(firstAside)
  })

  it('keeps what it was told across a restart, with no LevelDB in the folder', async () => {
    // Prepare
    const first = await startLocalDatabase({ dir, tablePrefix: prefix })
    running.push(first)
    const client = localDatabaseClient(first.endpoint)
    for (const command of developerData) await client.send(command)
    client.destroy()
    await first.stop()

    // Act
    const second = await startLocalDatabase({ dir, tablePrefix: prefix })
    running.push(second)

    // Assess
    expect(await readBack(second)).toEqual({
      backendUrl: 'http://127.0.0.1:9/',
      agents: ['echo'],
      audit: ['agent.register'],
    })
    expect(readdirSync(dir).sort()).toEqual([journalFile, 'lock'])
  })

  it('refuses a second local database on the same folder, saying it is in use, while the first keeps answering', async () => {
    // Prepare
    const first = await startLocalDatabase({ dir, tablePrefix: prefix })
    running.push(first)
    const client = localDatabaseClient(first.endpoint)
    for (const command of developerData) await client.send(command)
    client.destroy()

    // Act
    const second = await startLocalDatabase({ dir, tablePrefix: prefix }).then(
      (database) => {
        running.push(database)
        return undefined
      },
      (error: Error) => error,
    )

    // Assess
    expect(second?.message).toBe(
      `the local database in ${dir} is in use by another program (an npm start, or a script such as npm run reindex, on the same SWITCHBOARD_STATE_DIR): stop it, or give this one another SWITCHBOARD_STATE_DIR`,
    )
    expect((await readBack(first)).backendUrl).toBe('http://127.0.0.1:9/')
  })

  it('refuses to go under a dynalite that is loaded already, rather than leave it on LevelDB', () => {
    // Prepare: this file's dynalite was loaded by its imports (test/support/in-process-dynalite.ts),
    // with LevelDB.

    // Act
    const install = () => installJournaledStore()

    // Assess
    expect(install).toThrow(
      'dynalite is loaded already: the journaled store must be installed before it',
    )
  })
})
