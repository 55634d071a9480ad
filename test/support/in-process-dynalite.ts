import type { AddressInfo } from 'node:net'
import dynalite from 'dynalite'
import { createTables } from '../../local/database.ts'
import type { TestDatabase } from './databases.ts'

/**
 * dynalite in this very thread (so the instances of its modules a test changes from outside,
 * local/dynalite-shortcuts.ts or local/dynalite-direct.ts, are the ones that answer), on a free
 * loopback port, with every table of lib/tables.ts under `tablePrefix`; in memory, or on LevelDB
 * in `path`.
 */
export const startInProcessDynalite = async (
  tablePrefix: string,
  options: { path?: string } = {},
): Promise<TestDatabase> => {
  const server = dynalite({ ...options, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()))
  try {
    await createTables(endpoint, tablePrefix)
  } catch (error) {
    await stop()
    throw error
  }
  return { endpoint, stop }
}
