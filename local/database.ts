import { mkdir } from 'node:fs/promises'
import type { Server } from 'node:http'
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb'
import dynalite from 'dynalite'
import { createTableInput, type TableKey, tables } from '../lib/tables.ts'
import { listen } from './gateway.ts'

export interface LocalDatabase {
  endpoint: string
  /** How many requests of each operation (`GetItem`, `UpdateItem`, …) it has answered so far. */
  requests(): Record<string, number>
  stop(): Promise<void>
}

/** Creates every table of lib/tables.ts that is not there yet. */
export const createTables = async (endpoint: string, tablePrefix: string): Promise<void> => {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  try {
    for (const key of Object.keys(tables) as TableKey[]) {
      try {
        await client.send(new CreateTableCommand(createTableInput(key, tablePrefix)))
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error
      }
    }
  } finally {
    client.destroy()
  }
}

/**
 * The embedded DynamoDB-compatible database (dynalite), its data on disk under
 * `dir` when given (so registrations survive a restart), with every table of
 * lib/tables.ts created.
 */
export const startLocalDatabase = async (options: {
  dir?: string
  tablePrefix: string
}): Promise<LocalDatabase> => {
  if (options.dir) await mkdir(options.dir, { recursive: true })
  const server: Server = dynalite({
    ...(options.dir ? { path: options.dir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  })
  const requests: Record<string, number> = {}
  server.prependListener('request', (request) => {
    // `X-Amz-Target: DynamoDB_20120810.GetItem`
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown'
    requests[operation] = (requests[operation] ?? 0) + 1
  })
  const port = await listen(server, 0, '127.0.0.1', 'the database port')
  const endpoint = `http://127.0.0.1:${port}`
  await createTables(endpoint, options.tablePrefix)
  return {
    endpoint,
    requests: () => ({ ...requests }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
