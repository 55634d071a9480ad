/**
 * The embedded database's own thread (started by local/database.ts): dynalite
 * listening on loopback, and answering the stack's lean requests on a message
 * channel too (local/database-channel.ts), counting each request by operation in the shared
 * `counts` the main thread reads. Off the main thread, the database's work runs
 * beside the gateway's on another core instead of taking turns with it. Given a
 * `path`, its data is kept in memory and journaled there (local/journaled-store.ts).
 */
import type { AddressInfo } from 'node:net'
import { type MessagePort, parentPort, workerData } from 'node:worker_threads'
import { serveDatabaseChannel } from './database-channel.ts'
import { installDirectRequests } from './dynalite-direct.ts'
import { installDynaliteShortcuts } from './dynalite-shortcuts.ts'
import { installJournaledStore } from './journaled-store.ts'

const { path, counts, operations, channel } = workerData as {
  path: string | undefined
  /** One Int32 per operation of `operations`, then one for any other. */
  counts: SharedArrayBuffer
  operations: string[]
  /** The lean path's requests from the stack's handlers, answered as HTTP ones (local/database-channel.ts). */
  channel: MessagePort
}
const slots = new Int32Array(counts)

// Before dynalite is loaded: it takes its store's class from `level` as it loads, and
// creates its store through the `create` the channel's direct requests capture.
const store = installJournaledStore()
const direct = installDirectRequests()
if (typeof direct === 'string') {
  console.error(`the local database answers its channel through HTTP's handler: ${direct}`)
}
const { default: dynalite } = await import('dynalite')

// Its expression parses memoized, its response CRC by zlib (local/dynalite-shortcuts.ts).
for (const reason of installDynaliteShortcuts().skipped) {
  console.error(`the local database runs without a shortcut: ${reason}`)
}

const server = dynalite({
  ...(path ? { path } : {}),
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
})
// Open (the journal replayed, the folder locked) before it listens, or the thread fails saying why.
if (path) await store.opened(path)
/** Counts a request by its `X-Amz-Target` (`DynamoDB_20120810.GetItem`). */
const count = (target: string | string[] | undefined) => {
  const operation = String(target ?? '').split('.')[1]
  const at = operations.indexOf(operation ?? '')
  Atomics.add(slots, at === -1 ? operations.length : at, 1)
}
// Counted before the caller can read its answer: as it arrives, or, taken directly, as it is answered.
server.prependListener('request', (request) => count(request.headers['x-amz-target']))
serveDatabaseChannel(
  channel,
  server,
  typeof direct === 'string'
    ? undefined
    : (request, respond) =>
        direct(request, (answer) => {
          count(request.headers['x-amz-target'])
          respond(answer)
        }),
)
server.once('error', (error) => {
  throw error
})
server.listen(0, '127.0.0.1', () => {
  parentPort?.postMessage({
    port: (server.address() as AddressInfo).port,
    answersDirectly: typeof direct !== 'string',
  })
})
parentPort?.on('message', (message) => {
  if (message !== 'stop') return
  server.closeAllConnections()
  server.close(() => parentPort?.close())
})
