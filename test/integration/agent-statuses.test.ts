import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('agent statuses on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  const table = tableName('agents', 'statuses-')

  beforeAll(async () => {
    database = await startDatabase('statuses-')
  })
  afterAll(() => database.stop())

  it("reads the status of each registered agent of more than a request's 100, and of none other", async () => {
    // Prepare: 105 active agents, one being deleted, each with a card of some size.
    const client = documentClientOn(database)
    const records = Array.from({ length: 106 }, (_, i) => ({
      agentId: `agent-${i}`,
      status: i === 105 ? 'deleting' : 'active',
      card: { name: `Agent ${i}`, description: 'x'.repeat(2_000) },
    }))
    for (let start = 0; start < records.length; start += 25) {
      await client.send(
        new BatchWriteCommand({
          RequestItems: {
            [table]: records.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      )
    }
    const registry = new DynamoAgentRegistry(client, table)

    // Act
    const statuses = await registry.statuses([...records.map((r) => r.agentId), 'never-registered'])

    // Assess
    expect(statuses.size).toBe(106)
    expect(statuses.get('agent-0')).toBe('active')
    expect(statuses.get('agent-104')).toBe('active')
    expect(statuses.get('agent-105')).toBe('deleting')
    expect(statuses.has('never-registered')).toBe(false)
  })
})
