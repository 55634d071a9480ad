import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('the lean DynamoDB path on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let client: ReturnType<typeof documentClientOn>
  const table = tableName('audit', 'lean-')

  beforeAll(async () => {
    database = await startDatabase('lean-')
    client = documentClientOn(database)
  })
  afterAll(() => database.stop())

  it('puts, updates, reads and deletes an item, binary and sets included', async () => {
    // Prepare
    const item = {
      id: 'entry-1',
      feed: 'all',
      sortKey: '2026-12-04#1',
      bytes: new Uint8Array([0, 1, 255]),
      tags: new Set(['a', 'b']),
      left: undefined,
    }

    // Act
    await client.send(new PutCommand({ TableName: table, Item: item }))
    const updated = await client.send(
      new UpdateCommand({
        TableName: table,
        Key: { id: 'entry-1' },
        UpdateExpression: 'ADD hits :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    )
    const { Item } = await client.send(new GetCommand({ TableName: table, Key: { id: 'entry-1' } }))
    const deleted = await client.send(
      new DeleteCommand({ TableName: table, Key: { id: 'entry-1' }, ReturnValues: 'ALL_OLD' }),
    )
    const after = await client.send(new GetCommand({ TableName: table, Key: { id: 'entry-1' } }))

    // Assess
    expect(updated.Attributes).toMatchObject({ id: 'entry-1', hits: 1 })
    expect(Item).toEqual({
      id: 'entry-1',
      feed: 'all',
      sortKey: '2026-12-04#1',
      bytes: new Uint8Array([0, 1, 255]),
      tags: new Set(['a', 'b']),
      hits: 1,
    })
    expect(deleted.Attributes?.hits).toBe(1)
    expect(after.Item).toBeUndefined()
  })

  it('throws the SDK’s ConditionalCheckFailedException when a condition fails', async () => {
    // Prepare
    await client.send(new PutCommand({ TableName: table, Item: { id: 'taken' } }))

    // Act
    const error = await client
      .send(
        new PutCommand({
          TableName: table,
          Item: { id: 'taken' },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      )
      .catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(ConditionalCheckFailedException)
    expect((error as ConditionalCheckFailedException).$metadata.httpStatusCode).toBe(400)
  })

  it('still sends a BatchGet and a Query through the SDK on the same client', async () => {
    // Prepare
    for (const n of [1, 2, 3])
      await client.send(
        new PutCommand({
          TableName: table,
          Item: { id: `q-${n}`, feed: 'query-feed', sortKey: `0${n}` },
        }),
      )

    // Act
    const batch = await client.send(
      new BatchGetCommand({
        RequestItems: { [table]: { Keys: [{ id: 'q-1' }, { id: 'q-3' }] } },
      }),
    )
    const query = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'byTime',
        KeyConditionExpression: 'feed = :feed',
        ExpressionAttributeValues: { ':feed': 'query-feed' },
      }),
    )

    // Assess
    expect(batch.Responses?.[table]?.map((item) => item.id).sort()).toEqual(['q-1', 'q-3'])
    expect(query.Items?.map((item) => item.id)).toEqual(['q-1', 'q-2', 'q-3'])
  })
})
