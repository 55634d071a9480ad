import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type JournaledLevel, journalFile } from '../../../local/journaled-store.ts'
import { journaledStores } from '../../support/journaled-stores.ts'

/** node:fs as the store sees it, with openSync able to refuse paths (a full descriptor table, say). */
const refused = vi.hoisted(() => ({ path: undefined as ((path: string) => boolean) | undefined }))
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>()
  const openSync = ((path: fs.PathLike, ...rest: unknown[]) => {
    if (refused.path?.(String(path))) {
      throw Object.assign(new Error(`EMFILE: too many open files, open '${String(path)}'`), {
        code: 'EMFILE',
      })
    }
    return (actual.openSync as (...args: unknown[]) => number)(path, ...rest)
  }) as typeof actual.openSync
  return { ...actual, default: { ...actual, openSync }, openSync }
})

type Writable = JournaledLevel & {
  put(key: string, value: unknown): Promise<void>
  iterator(): { all(): Promise<[string, unknown][]> }
}

describe('journaled store when the file system refuses', () => {
  let dir: string
  const stores = journaledStores<Writable>(() => dir)
  const open = stores.open

  beforeEach(() => {
    dir = join(fs.mkdtempSync(join(tmpdir(), 'switchboard-store-faults-')), 'db')
  })
  afterEach(async () => {
    refused.path = undefined
    vi.restoreAllMocks()
    await stores.closeAll()
    fs.rmSync(join(dir, '..'), { recursive: true, force: true })
  })

  it('keeps writing to the journal after a compaction whose files the system refuses to open, and keeps every write', async () => {
    // Prepare: a store that compacts often; from now on the journal and its temporary file cannot be opened.
    const store = await open({ compactAfterBytes: 1_000 })
    const said = vi.spyOn(console, 'error').mockImplementation(() => {})
    refused.path = (path) => path === join(dir, journalFile)

    // Act: enough overwrites of a few keys to pass the compaction threshold many times.
    for (let round = 0; round < 40; round++) {
      for (let key = 0; key < 5; key++) await store.put(`item~${key}`, { round })
    }
    refused.path = undefined
    await store.close()
    const reopened = await open()

    // Assess
    const expected = Object.fromEntries(
      Array.from({ length: 5 }, (_, key) => [`item~${key}`, { round: 39 }]),
    )
    expect(Object.fromEntries(await reopened.iterator().all())).toEqual(expected)
    for (const [message] of said.mock.calls) {
      expect(String(message)).toMatch(/^the local database's journal stays as it is: /)
    }
  })

  it('says a compaction failed and leaves the journal as it was when its temporary file cannot be opened', async () => {
    // Prepare
    const store = await open({ compactAfterBytes: 1_000 })
    const said = vi.spyOn(console, 'error').mockImplementation(() => {})
    refused.path = (path) => path === `${join(dir, journalFile)}.tmp`

    // Act
    for (let round = 0; round < 40; round++) {
      for (let key = 0; key < 5; key++) await store.put(`item~${key}`, { round })
    }
    refused.path = undefined
    await store.close()
    const reopened = await open()

    // Assess
    expect(said).toHaveBeenCalled()
    expect(String(said.mock.calls[0]?.[0])).toContain(
      "the local database's journal stays as it is: EMFILE",
    )
    expect(fs.existsSync(`${join(dir, journalFile)}.tmp`)).toBe(false)
    const expected = Object.fromEntries(
      Array.from({ length: 5 }, (_, key) => [`item~${key}`, { round: 39 }]),
    )
    expect(Object.fromEntries(await reopened.iterator().all())).toEqual(expected)
  })

  it('refuses to open, saying why, and leaves the journal as it was, when a damaged journal cannot be copied aside', async () => {
    // Prepare: a journal whose last record is torn; copies beside it cannot be opened.
    const store = await open()
    await store.put('a', 1)
    await store.put('b', 2)
    await store.close()
    const journal = join(dir, journalFile)
    const torn = fs.readFileSync(journal).subarray(0, -1)
    fs.writeFileSync(journal, torn)
    refused.path = (path) => path.startsWith(`${journal}.damaged-`)

    // Act
    const error = await open().catch((caught: unknown) => caught)

    // Assess
    // abstract-level's "Database failed to open" carries the store's reason as its cause.
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(((error as Error).cause as Error).message).toContain(
      `the local database's journal ${journal} does not read to its end, and the copy that would keep it before the rest is dropped could not be written`,
    )
    expect(fs.readFileSync(journal)).toEqual(torn)
    expect(fs.readdirSync(dir).filter((name) => name.includes('.damaged-'))).toEqual([])
  })
})
