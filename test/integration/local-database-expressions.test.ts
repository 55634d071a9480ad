import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tableName, tables } from '../../lib/tables.ts'
import { databaseEngines, type TestDatabase } from '../support/databases.ts'

/**
 * Expressions sent again and again with other names and values, as the gateway
 * sends them: the local database memoizes its expression parses
 * (local/dynalite-shortcuts.ts), and each request must still get its own answer,
 * the answer DynamoDB Local gives.
 */
describe.each(databaseEngines)('repeated expressions on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let client: DynamoDBClient
  const table = tableName('rateLimits', 'expr-')
  const keyOf = (id: string) => ({ [tables.rateLimits.partitionKey]: { S: id } })
  const number = (n: number): AttributeValue => ({ N: String(n) })

  beforeAll(async () => {
    database = await startDatabase('expr-')
    client = new DynamoDBClient({
      endpoint: database.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
  })
  afterAll(async () => {
    client?.destroy()
    await database?.stop()
  })

  const update = (id: string, input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>) =>
    client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: keyOf(id),
        ReturnValues: 'ALL_NEW',
        ...input,
      }),
    )
  /** The error `act` fails with (or the answer it gave, which the assertions then refuse). */
  const failureOf = (act: Promise<unknown>) =>
    act.then(
      (answer) => answer,
      (error: Error) => error,
    )

  const addUnderLimit = (id: string, add: number, limit: number) =>
    update(id, {
      UpdateExpression: 'ADD #count :add',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':add': number(add), ':limit': number(limit) },
    })

  it('adds each request its own value and checks each against its own limit', async () => {
    // Act
    const first = await addUnderLimit('values', 5, 100)
    const second = await addUnderLimit('values', 7, 100)
    const refused = await failureOf(addUnderLimit('values', 1, 12))
    const third = await addUnderLimit('values', 2, 13)

    // Assess
    expect(first.Attributes?.count).toEqual(number(5))
    expect(second.Attributes?.count).toEqual(number(12))
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException)
    expect(third.Attributes?.count).toEqual(number(14))
  })

  it('checks the bounds each request gives, not those of an earlier one', async () => {
    // Prepare
    const addBetween = (low: number, high: number) =>
      failureOf(
        update('bounds', {
          UpdateExpression: 'ADD #count :low',
          ConditionExpression: 'attribute_not_exists(#count) OR #count BETWEEN :low AND :high',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':low': number(low), ':high': number(high) },
        }),
      )

    // Act
    const ordered = await addBetween(1, 10)
    const reversed = await addBetween(10, 1)

    // Assess
    expect(ordered).toMatchObject({ Attributes: { count: number(1) } })
    expect(reversed).toMatchObject({ name: 'ValidationException' })
    expect((reversed as Error).message).toContain(
      'The BETWEEN operator requires upper bound to be greater than or equal to lower bound',
    )
  })

  it('sets a value read from each item, not from the item of the first request', async () => {
    // Prepare: an UpdateItem resolves `SET #copy = #count` in the parse it is handed
    await addUnderLimit('copy-1', 1, 100)
    await addUnderLimit('copy-2', 2, 100)
    const copy = (id: string) =>
      update(id, {
        UpdateExpression: 'SET #copy = #count',
        ExpressionAttributeNames: { '#copy': 'copy', '#count': 'count' },
      })

    // Act
    const first = await copy('copy-1')
    const second = await copy('copy-2')

    // Assess
    expect(first.Attributes?.copy).toEqual(number(1))
    expect(second.Attributes?.copy).toEqual(number(2))
  })

  it('refuses an invalid expression with the same ValidationException every time', async () => {
    // Prepare
    const invalid = () =>
      failureOf(
        update('invalid', {
          UpdateExpression: 'ADD #count',
          ExpressionAttributeNames: { '#count': 'count' },
        }),
      )
    const undefinedValue = () =>
      failureOf(
        update('invalid', {
          UpdateExpression: 'ADD #count :missing',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': number(1) },
        }),
      )

    // Act
    const syntax = [await invalid(), await invalid()]
    const undefinedOnes = [await undefinedValue(), await undefinedValue()]

    // Assess
    for (const error of syntax) {
      expect(error).toMatchObject({ name: 'ValidationException' })
      expect((error as Error).message).toMatch(/^Invalid UpdateExpression: Syntax error; /)
    }
    expect((syntax[1] as Error).message).toBe((syntax[0] as Error).message)
    for (const error of undefinedOnes) {
      expect(error).toMatchObject({ name: 'ValidationException' })
      expect((error as Error).message).toContain(
        'An expression attribute value used in expression is not defined; attribute value: :missing',
      )
    }
  })

  it('refuses ExpressionAttributeValues no expression uses, however often it is sent', async () => {
    // Prepare
    const withUnused = () =>
      failureOf(
        update('unused', {
          UpdateExpression: 'ADD #count :one',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': number(1), ':unused': number(2) },
        }),
      )

    // Act
    const refusals = [await withUnused(), await withUnused()]

    // Assess
    for (const error of refusals) {
      expect(error).toMatchObject({ name: 'ValidationException' })
      expect((error as Error).message).toContain(
        'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}',
      )
    }
  })

  it('counts a name and value as used by a condition first seen beside an update that uses them too', async () => {
    // Prepare: the same condition, names and values, first after an update that uses them all
    const condition = 'attribute_not_exists(#count) OR #count < :limit'
    const names = { '#count': 'count', '#gone': 'gone' }
    const values = { ':limit': number(100) }
    await update('used-1', {
      UpdateExpression: 'SET #count = :limit REMOVE #gone',
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    })

    // Act: then beside an update that uses neither #count nor :limit
    const alone = await update('used-2', {
      UpdateExpression: 'REMOVE #gone',
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    })

    // Assess
    expect(alone.Attributes).toEqual(keyOf('used-2'))
  })
})
