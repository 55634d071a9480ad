import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inject } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { createTables, startLocalDatabase } from '../../local/database.ts'
import { launchDynamoDbLocal } from './dynamodb-local.ts'
import { sharedService } from './shared-services.ts'

export interface TestDatabase {
  endpoint: string
  stop(): Promise<void>
}

/**
 * DynamoDB Local (AWS's own engine, on Java), in memory, with every table of
 * lib/tables.ts under the prefix: the run's one instance (test/support/shared-services.ts),
 * whose tables under this prefix `stop()` drops, or, outside such a run, one of its own.
 */
const startDynamoDbLocal = async (tablePrefix: string): Promise<TestDatabase> => {
  const services = inject('sharedServices') as string | undefined
  const shared = await sharedService<{ endpoint: string }>(services, 'POST', '/dynamodb-local', {
    tablePrefix,
  })
  if (shared) {
    return {
      endpoint: shared.endpoint,
      stop: async () => {
        await sharedService(services, 'DELETE', '/dynamodb-local', { tablePrefix })
      },
    }
  }
  const own = await launchDynamoDbLocal()
  try {
    await createTables(own.endpoint, tablePrefix)
  } catch (error) {
    await own.stop()
    throw error
  }
  return own
}

/**
 * The embedded dynalite as `npm start` runs it: its data journaled in a folder
 * (local/journaled-store.ts), here a temporary one that `stop()` removes.
 */
const startDynalite = async (tablePrefix: string): Promise<TestDatabase> => {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-dynalite-'))
  try {
    const database = await startLocalDatabase({ dir: join(dir, 'db'), tablePrefix })
    return {
      endpoint: database.endpoint,
      stop: async () => {
        await database.stop()
        await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

/**
 * The engines the data-layer tests run on: the embedded dynalite `npm start`
 * uses, on its journaled store, and DynamoDB Local, so each query is proven on
 * AWS's own engine too.
 */
export const databaseEngines: [string, (tablePrefix: string) => Promise<TestDatabase>][] = [
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
]

/**
 * A document client on a test database, as the handlers make theirs (the SDK
 * finds its credentials, local ones, in the environment).
 *
 * @example
 * database = await startDatabase('rl-')
 * client = documentClientOn(database)
 */
export const documentClientOn = (database: TestDatabase) => {
  process.env.AWS_ACCESS_KEY_ID = 'local'
  process.env.AWS_SECRET_ACCESS_KEY = 'local'
  return createDocumentClient({ region: 'us-east-1', dynamoDbEndpoint: database.endpoint })
}
