import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { MessageChannel, Worker } from 'node:worker_threads'
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb'
import type { LeanTransport } from '../lib/lean-transport.ts'
import { createTableInput, type TableKey, tables } from '../lib/tables.ts'
import { databaseChannel } from './database-channel.ts'

export interface LocalDatabase {
  endpoint: string
  /**
   * The lean path's way to it without HTTP, for clients in this process
   * (local/database-channel.ts; `useLeanTransport`); anything else reaches it at `endpoint`.
   */
  transport: LeanTransport
  /**
   * Whether its thread hands the channel's signed requests straight to dynalite's validations
   * and action (local/dynalite-direct.ts): false when dynalite is not shaped as that expects.
   */
  answersDirectly: boolean
  /** How many requests of each operation (`GetItem`, `UpdateItem`, …) it has answered so far. */
  requests(): Record<string, number>
  stop(): Promise<void>
}

/** The laptop's table names begin with this (npm start, and the scripts that open its state). */
export const localTablePrefix = 'switchboard-'

/** Where the laptop's database keeps its data in a state folder (SWITCHBOARD_STATE_DIR). */
export const localDatabaseDir = (stateDir: string) => join(stateDir, 'db')

/** A plain client of a local engine (dynalite, DynamoDB Local): any credentials do. */
export const localDatabaseClient = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })

/** Creates every table of lib/tables.ts that is not there yet. */
export const createTables = async (endpoint: string, tablePrefix: string): Promise<void> => {
  const client = localDatabaseClient(endpoint)
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

/** The operations counted by name; any other is counted as `unknown`. */
const countedOperations = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'PutItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'TransactWriteItems',
  'UpdateItem',
  'UpdateTable',
  'UpdateTimeToLive',
]

/**
 * The embedded DynamoDB-compatible database (dynalite) on its own thread
 * (local/database-worker.ts), its data on disk under `dir` when given (so
 * registrations survive a restart) and in memory otherwise, with every table of
 * lib/tables.ts created.
 */
export const startLocalDatabase = async (options: {
  dir?: string
  tablePrefix: string
}): Promise<LocalDatabase> => {
  if (options.dir) await mkdir(options.dir, { recursive: true })
  const counts = new SharedArrayBuffer(4 * (countedOperations.length + 1))
  const channel = new MessageChannel()
  const worker = new Worker(new URL('./database-worker.ts', import.meta.url), {
    workerData: {
      path: options.dir,
      counts,
      operations: countedOperations,
      channel: channel.port2,
    },
    transferList: [channel.port2],
  })
  const { port, answersDirectly } = await new Promise<{ port: number; answersDirectly: boolean }>(
    (resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`the local database exited (${code})`)))
    },
  )
  worker.removeAllListeners()
  const endpoint = `http://127.0.0.1:${port}`
  const transport = databaseChannel(channel.port1, worker)
  // Once: a second stop (a test stopped the database, then the stack) waits for the same exit.
  let stopping: Promise<unknown> | undefined
  // A request still in flight when the database closes fails in its thread ("Database is
  // closed"); its caller sees the connection end. After a stop that is expected, not a crash
  // of the process; before one, the database's thread died and says why.
  worker.on('error', (error) => {
    if (!stopping) console.error(`the local database failed: ${error.message}`)
  })
  const stop = async () => {
    stopping ??= new Promise((resolve) => {
      worker.once('exit', resolve)
      worker.postMessage('stop')
    })
    await stopping
  }
  try {
    await createTables(endpoint, options.tablePrefix)
  } catch (error) {
    await stop()
    throw error
  }
  const slots = new Int32Array(counts)
  return {
    endpoint,
    transport,
    answersDirectly,
    requests: () => {
      const requests: Record<string, number> = {}
      for (const [at, operation] of [...countedOperations, 'unknown'].entries()) {
        const count = Atomics.load(slots, at)
        if (count > 0) requests[operation] = count
      }
      return requests
    },
    stop,
  }
}
