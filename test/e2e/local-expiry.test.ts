import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { tableName } from '../../lib/tables.ts'
import { localTablePrefix } from '../../local/database.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'

describe("the local stack deletes expired items, as DynamoDB's TTL does", () => {
  let stack: RunningStack
  let client: ReturnType<typeof createDocumentClient>
  const rateLimits = tableName('rateLimits', localTablePrefix)

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ expireItemsEveryMs: 100, sampleAgents: false })
    client = createDocumentClient({
      region: 'us-east-1',
      dynamoDbEndpoint: process.env.DYNAMODB_ENDPOINT,
    })
  })
  afterAll(async () => {
    client?.destroy()
    await stack?.stop()
  })

  const present = async (pk: string) =>
    (await client.send(new GetCommand({ TableName: rateLimits, Key: { pk } }))).Item !== undefined

  it('sweeps an expired rate-limit window away, keeping a live one', async () => {
    // Prepare
    const nowSeconds = Math.floor(Date.now() / 1000)
    await client.send(
      new PutCommand({ TableName: rateLimits, Item: { pk: 'past', expiresAt: nowSeconds - 1 } }),
    )
    await client.send(
      new PutCommand({ TableName: rateLimits, Item: { pk: 'live', expiresAt: nowSeconds + 3600 } }),
    )

    // Act: the stack's sweep, every 100 ms here
    await expect.poll(() => present('past'), { timeout: 10_000 }).toBe(false)

    // Assess
    expect(await present('live')).toBe(true)
  })
})
