import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoTokenRevocations } from '../../lib/auth/token-revocations.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('token revocations on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let revocations: DynamoTokenRevocations
  const at = Date.UTC(2026, 11, 5, 12, 0, 0, 400)
  const second = at / 1000 - 0.4

  beforeAll(async () => {
    database = await startDatabase('revocations-')
    revocations = new DynamoTokenRevocations(
      documentClientOn(database),
      tableName('tokenRevocations', 'revocations-'),
    )
  })
  afterAll(() => database.stop())

  it('refuses tokens issued up to the second after the revocation, and lapses once no push config set before it can stand, sixty days on', async () => {
    // Act
    const issuedBefore = await revocations.revoke('client-a', at)

    // Assess
    expect(issuedBefore).toBe(second + 1)
    expect(await revocations.issuedBefore('client-a')).toBe(second + 1)
    expect(await revocations.issuedBefore('client-b')).toBeUndefined()
    const { Item } = await documentClientOn(database).send(
      new GetCommand({
        TableName: tableName('tokenRevocations', 'revocations-'),
        Key: { clientId: 'client-a' },
      }),
    )
    expect(Item?.expiresAt).toBe(second + 1 + 60 * 24 * 60 * 60 + 60)
  })

  it('never moves a revocation back: an earlier one arriving late keeps the later', async () => {
    // Prepare
    await revocations.revoke('client-c', at + 10_000)

    // Act
    const late = await revocations.revoke('client-c', at)
    const kept = await revocations.issuedBefore('client-c')
    await revocations.revoke('client-c', at + 20_000)

    // Assess
    expect(late).toBe(second + 1)
    expect(kept).toBe(second + 11)
    expect(await revocations.issuedBefore('client-c')).toBe(second + 21)
  })
})
