import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tableName, tables } from '../../../lib/tables.ts'
import { dynaliteModules } from '../../../local/dynalite-modules.ts'
import {
  type DynaliteShortcuts,
  installDynaliteShortcuts,
  memoEntries,
  memoized,
} from '../../../local/dynalite-shortcuts.ts'
import type { TestDatabase } from '../../support/databases.ts'
import { startInProcessDynalite } from '../../support/in-process-dynalite.ts'

/**
 * The shortcuts the local database's thread installs in dynalite
 * (local/database-worker.ts), installed here in this test's own dynalite: if a
 * new dynalite is shaped otherwise, they are skipped, and these tests say so.
 */
describe('dynalite shortcuts', () => {
  let shortcuts: DynaliteShortcuts
  let database: TestDatabase | undefined
  let endpoint: string
  let client: DynamoDBClient

  beforeAll(async () => {
    shortcuts = installDynaliteShortcuts()
    database = await startInProcessDynalite('shortcuts-')
    endpoint = database.endpoint
    client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
  })
  afterAll(async () => {
    client?.destroy()
    await database?.stop()
  })

  it('installs every shortcut in the dynalite this project depends on', () => {
    // Assess
    expect(shortcuts.skipped).toEqual([])
    expect(shortcuts.expressionMemo).toBeDefined()
    expect(shortcuts.crc32).toBe(true)
  })

  it('parses a repeated expression once: the rate limiter’s UpdateItem thrice is two misses and four hits', async () => {
    // Prepare
    const before = { ...shortcuts.expressionMemo }
    const increment = (limit: number) =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName('rateLimits', 'shortcuts-'),
          Key: { [tables.rateLimits.partitionKey]: { S: 'memo' } },
          UpdateExpression:
            'ADD #count :one SET #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':limit': { N: String(limit) },
            ':expiresAt': { N: '1900000000' },
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      )

    // Act
    const counts = []
    for (let call = 0; call < 3; call++) counts.push((await increment(10)).Attributes?.count)

    // Assess
    expect(counts).toEqual([{ N: '1' }, { N: '2' }, { N: '3' }])
    expect(shortcuts.expressionMemo?.misses).toBe((before.misses ?? 0) + 2)
    expect(shortcuts.expressionMemo?.hits).toBe((before.hits ?? 0) + 4)
  })

  it('answers with the CRC-32 of its body in x-amz-crc32', async () => {
    // Prepare: buffer-crc32's own loop (its signed export, left as it was) as the reference
    const reference = dynaliteModules().require('buffer-crc32') as { signed(input: string): number }

    // Act
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
        'x-amz-date': '20260101T000000Z',
      },
      body: '{}',
    })
    const body = await response.text()

    // Assess
    expect(body).toContain('shortcuts-')
    expect(response.headers.get('x-amz-crc32')).toBe(String(reference.signed(body) >>> 0))
  })
})

describe('memoized expression parse', () => {
  /** A stand-in parser that counts its parses and fails on 'bad'. */
  const counting = () => {
    const parsed: string[] = []
    const parse = (input: string) => {
      parsed.push(input)
      return input === 'bad' ? 'The expression is bad;' : { input }
    }
    return { parsed, parse }
  }
  const contextOf = () => ({ unusedAttrNames: {}, unusedAttrVals: {} })

  it('parses a failed expression again each time: a failure is never kept', () => {
    // Prepare
    const { parsed, parse } = counting()
    const memo = memoized(parse, { hits: 0, misses: 0 })

    // Act
    const answers = [1, 2].map(() => memo('bad', { context: contextOf() }))

    // Assess
    expect(answers).toEqual(['The expression is bad;', 'The expression is bad;'])
    expect(parsed).toEqual(['bad', 'bad'])
  })

  it('keeps the most recently used parses up to its bound and lets the least recently used go', () => {
    // Prepare
    const { parsed, parse } = counting()
    const memo = memoized(parse, { hits: 0, misses: 0 })
    const use = (input: string) => memo(input, { context: contextOf() })
    for (let at = 0; at < memoEntries; at++) use(`e${at}`)
    use('e0')

    // Act: one more than the bound
    use('new')
    parsed.length = 0
    use('e0')
    use('e1')

    // Assess: e0, used again, was kept; e1 was the least recently used
    expect(parsed).toEqual(['e1'])
  })
})
