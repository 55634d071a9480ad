import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tableName } from '../../lib/tables.ts'
import { expireItems } from '../../local/expire-items.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

const now = 1_796_000_000
const years = (count: number) => count * 365 * 24 * 3600

describe.each(databaseEngines)(
  "expired items swept as DynamoDB's TTL does, on %s",
  (_engine, startDatabase) => {
    let database: TestDatabase
    let client: ReturnType<typeof documentClientOn>
    const prefix = 'expire-'
    const rateLimits = tableName('rateLimits', prefix)
    const audit = tableName('audit', prefix)

    beforeAll(async () => {
      database = await startDatabase(prefix)
      client = documentClientOn(database)
    })
    afterAll(() => database.stop())

    const put = (TableName: string, Item: Record<string, unknown>) =>
      client.send(new PutCommand({ TableName, Item }))
    const present = async (TableName: string, Key: Record<string, unknown>) =>
      (await client.send(new GetCommand({ TableName, Key }))).Item !== undefined

    it('deletes what expired, from an index too, and leaves what lives, has no number or expired more than five years ago', async () => {
      // Prepare
      await put(rateLimits, { pk: 'expired', expiresAt: now - 10 })
      await put(rateLimits, { pk: 'living', expiresAt: now + 60 })
      await put(rateLimits, { pk: 'no-number', expiresAt: 'soon' })
      await put(rateLimits, { pk: 'ancient', expiresAt: now - years(6) })
      await put(rateLimits, { pk: 'no-expiry' })
      await put(audit, {
        id: 'old-change',
        feed: 'all',
        sortKey: '2020#old-change',
        expiresAt: now - 1,
      })

      // Act
      const swept = await expireItems(client, prefix, { nowSeconds: now })

      // Assess
      expect(swept).toEqual({ 'rate-limits': 1, audit: 1 })
      const left = await Promise.all(
        ['expired', 'living', 'no-number', 'ancient', 'no-expiry'].map((pk) =>
          present(rateLimits, { pk }),
        ),
      )
      expect(left).toEqual([false, true, true, true, true])
      const feed = await client.send(
        new QueryCommand({
          TableName: audit,
          IndexName: 'byTime',
          KeyConditionExpression: 'feed = :all',
          ExpressionAttributeValues: { ':all': 'all' },
        }),
      )
      expect(feed.Items).toEqual([])
    })

    it('sweeps past the first page: expired items among 250 live ones all go', async () => {
      // Prepare
      const shards = 'page'
      await Promise.all(
        Array.from({ length: 250 }, (_, at) =>
          put(rateLimits, { pk: `${shards}-live-${at}`, expiresAt: now + 60 }),
        ),
      )
      await Promise.all(
        [1, 2, 3].map((at) =>
          put(rateLimits, { pk: `${shards}-expired-${at}`, expiresAt: now - 1 }),
        ),
      )

      // Act
      const swept = await expireItems(client, prefix, { nowSeconds: now })

      // Assess
      expect(swept).toEqual({ 'rate-limits': 3 })
    })

    it('stops at once when told to, deleting nothing more', async () => {
      // Prepare
      await put(rateLimits, { pk: 'stopped', expiresAt: now - 1 })
      const stopping = new AbortController()
      stopping.abort()

      // Act
      const swept = await expireItems(client, prefix, { nowSeconds: now, signal: stopping.signal })

      // Assess
      expect(swept).toEqual({})
      expect(await present(rateLimits, { pk: 'stopped' })).toBe(true)
      await client.send(new DeleteCommand({ TableName: rateLimits, Key: { pk: 'stopped' } }))
    })

    it('leaves an item renewed between its scan and its delete, and one deleted meanwhile is no failure', async () => {
      // Prepare: the sweep's first delete finds the first item renewed, its second the item gone
      await put(rateLimits, { pk: 'renewed', expiresAt: now - 5 })
      await put(rateLimits, { pk: 'gone', expiresAt: now - 5 })
      let deletes = 0
      const meanwhile = {
        send: async (command: unknown) => {
          if (command instanceof DeleteCommand && deletes++ === 0) {
            await put(rateLimits, { pk: 'renewed', expiresAt: now + 3600 })
            await client.send(new DeleteCommand({ TableName: rateLimits, Key: { pk: 'gone' } }))
          }
          return client.send(command as DeleteCommand)
        },
      } as unknown as typeof client

      // Act
      const swept = await expireItems(meanwhile, prefix, { nowSeconds: now })

      // Assess
      expect(swept).toEqual({})
      expect(await present(rateLimits, { pk: 'renewed' })).toBe(true)
    })
  },
)
