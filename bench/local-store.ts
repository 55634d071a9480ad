/**
 * What the local database's storage costs per request: the rate limiter's
 * UpdateItem handed to dynalite's request handler in this process through the
 * local database channel (local/database-channel.ts, both its ends here: no HTTP,
 * so the figure is dynalite, its store and the channel), on LevelDB (the previous version's
 * store, classic-level on disk), on the journaled store (local/journaled-store.ts,
 * what npm start runs now) and in memory only (dynalite without a path: the
 * floor). Each store runs in a child process of its own (dynalite takes its
 * store's class when it loads), measured by process.cpuUsage, which counts
 * LevelDB's own threads too. Run with `node bench/local-store.ts`.
 */
import { execFileSync } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MessageChannel, type Worker } from 'node:worker_threads'
import { databaseHeaders, rateLimiterUpdateItem } from './http-floor.ts'

const stores = ['leveldb', 'journal', 'memory'] as const
type Store = (typeof stores)[number]
const requests = Number(process.env.BENCH_REQUESTS ?? 5_000)
const warmUp = 1_000
const rounds = 3

const measure = async (store: Store) => {
  const { installJournaledStore } = await import('../local/journaled-store.ts')
  const installed = store === 'journal' ? installJournaledStore() : undefined
  const { default: dynalite } = await import('dynalite')
  const { installDynaliteShortcuts } = await import('../local/dynalite-shortcuts.ts')
  const { createTables } = await import('../local/database.ts')
  const { databaseChannel, serveDatabaseChannel } = await import('../local/database-channel.ts')
  installDynaliteShortcuts()
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-store-'))
  const path = join(dir, 'db')
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(store === 'memory' ? {} : { path }),
  })
  await installed?.opened(path)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as { port: number }
  await createTables(`http://127.0.0.1:${port}`, 'bench-')
  // Both ends of the channel in this thread; the database's "thread" never exits (nothing emits exit).
  const { port1, port2 } = new MessageChannel()
  serveDatabaseChannel(port2, server)
  const send = databaseChannel(port1, new EventEmitter() as unknown as Worker)
  const url = new URL(`http://127.0.0.1:${port}/`)
  const headers = { host: `127.0.0.1:${port}`, ...databaseHeaders('UpdateItem') }
  let sent = 0
  const updateItem = async () => {
    const body = rateLimiterUpdateItem('bench-rate-limits', `caller#agent#${sent++ % 50}`)
    const answer = await send({ url, headers, body, timeoutMs: 10_000 })
    if (answer.status !== 200)
      throw new Error(`UpdateItem answered ${answer.status}: ${answer.text}`)
  }
  const figures: number[] = []
  for (let round = 0; round < rounds; round++) {
    for (let at = 0; at < warmUp; at++) await updateItem()
    const before = process.cpuUsage()
    for (let at = 0; at < requests; at++) await updateItem()
    const cpu = process.cpuUsage(before)
    figures.push((cpu.user + cpu.system) / requests)
  }
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
  return Math.min(...figures)
}

const [, , only] = process.argv
if (only) {
  process.stdout.write(JSON.stringify(await measure(only as Store)))
} else {
  console.log(
    `dynalite UpdateItem through its handler, CPU per request (best of ${rounds} x ${requests}):`,
  )
  for (const store of stores) {
    const micros = Number(
      execFileSync(process.execPath, [import.meta.filename, store], { encoding: 'utf8' }),
    )
    console.log(`  ${store.padEnd(8)} ${micros.toFixed(0).padStart(5)} µs`)
  }
}
