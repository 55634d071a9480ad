import { spawn } from 'node:child_process'
import { once } from 'node:events'
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  encodeRecord,
  type JournaledLevel,
  journalFile,
  LocalDatabaseInUseError,
  readJournal,
} from '../../../local/journaled-store.ts'
import { journaledStores } from '../../support/journaled-stores.ts'

/** Every entry of a store, its values as dynalite reads them (JSON). */
const entries = async (store: JournaledLevel) =>
  Object.fromEntries(
    await (store as unknown as { iterator(): { all(): Promise<[string, unknown][]> } })
      .iterator()
      .all(),
  )

type Writable = JournaledLevel & {
  put(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  batch(
    operations: ({ type: 'put'; key: string; value: unknown } | { type: 'del'; key: string })[],
  ): Promise<void>
}

describe('journaled store (the local database under dynalite)', () => {
  let dir: string
  const stores = journaledStores<Writable>(() => dir)
  const open = stores.open
  const journal = () => join(dir, journalFile)
  /** Three records (a, b, c), the second's last byte flipped (a value byte: its CRC no longer matches). */
  const journalWithSecondRecordDamaged = async () => {
    const first = await open()
    await first.put('a', 1)
    await first.put('b', 2)
    await first.put('c', 3)
    await first.close()
    const bytes = readFileSync(journal())
    const { records } = readJournal(bytes)
    expect(records).toHaveLength(3)
    const second = encodeRecord(records[1] ?? [])
    const at = bytes.indexOf(second)
    bytes.writeUInt8(bytes.readUInt8(at + second.length - 1) ^ 0xff, at + second.length - 1)
    writeFileSync(journal(), bytes)
    return { bytes, at }
  }

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'switchboard-store-')), 'db')
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    await stores.closeAll()
    rmSync(join(dir, '..'), { recursive: true, force: true })
  })

  it('replays every put, del and batch acknowledged before a close', async () => {
    // Prepare
    const first = await open()
    await first.put('table~a', { n: 1 })
    await first.put('table~b', { n: 2 })
    await first.put('table~a', { n: 3 })
    await first.del('table~b')
    await first.batch([
      { type: 'put', key: 'item~c', value: { s: 'ç' } },
      { type: 'put', key: 'item~d', value: [1, 2] },
      { type: 'del', key: 'item~c' },
    ])
    await first.close()

    // Act
    const second = await open()

    // Assess
    expect(await entries(second)).toEqual({ 'item~d': [1, 2], 'table~a': { n: 3 } })
  })

  it('journals a clear as the deletes of the keys it cleared', async () => {
    // Prepare
    const first = (await open()) as Writable & { clear(range: object): Promise<void> }
    await first.put('item~a', 1)
    await first.put('item~b', 2)
    await first.put('table~c', 3)

    // Act
    await first.clear({ gte: 'item~', lt: 'item~\xff' })
    await first.close()
    const second = await open()

    // Assess
    expect(await entries(second)).toEqual({ 'table~c': 3 })
  })

  it('keeps each write in the journal before the write completes, with no close', async () => {
    // Prepare
    const store = await open()

    // Act
    await store.put('k', { v: 1 })
    await store.batch([{ type: 'put', key: 'l', value: 2 }])

    // Assess
    const { records } = readJournal(readFileSync(journal()))
    expect(
      records.map((operations) =>
        operations.map((operation) => String(Buffer.from(operation.key))),
      ),
    ).toEqual([['k'], ['l']])
  })

  it('drops a record torn by a crash, saying so and keeping the file as it was aside, and cuts the journal back to its last whole record', async () => {
    // Prepare
    const first = await open()
    await first.put('kept', 'yes')
    await first.close()
    const whole = readFileSync(journal())
    const torn = encodeRecord([
      { type: 'put', key: Buffer.from('torn'), value: Buffer.from('"no"') },
    ]).subarray(0, 12)
    appendFileSync(journal(), torn)
    const said = vi.spyOn(console, 'error').mockImplementation(() => {})

    // Act
    const second = await open()
    await second.put('after', 'yes')

    // Assess
    expect(await entries(second)).toEqual({ kept: 'yes', after: 'yes' })
    expect(String(said.mock.calls[0]?.[0])).toContain(
      `the ${torn.length} bytes from byte ${whole.length} on`,
    )
    expect(
      readdirSync(dir).filter((name) => name.startsWith(`${journalFile}.damaged-`)),
    ).toHaveLength(1)
    const bytes = readFileSync(journal())
    expect(readJournal(bytes).whole).toBe(bytes.length)
    expect(bytes.subarray(0, whole.length)).toEqual(whole)
  })

  it('applies a batch whole or not at all on replay', async () => {
    // Prepare
    const first = await open()
    await first.put('before', 1)
    await first.batch([
      { type: 'put', key: 'x', value: 1 },
      { type: 'put', key: 'y', value: 2 },
      { type: 'del', key: 'before' },
    ])
    await first.close()
    // A crash in the middle of the batch's record: its last byte never reached the file.
    truncateSync(journal(), statSync(journal()).size - 1)
    const said = vi.spyOn(console, 'error').mockImplementation(() => {})

    // Act
    const second = await open()

    // Assess
    expect(await entries(second)).toEqual({ before: 1 })
    expect(String(said.mock.calls[0]?.[0])).toContain('does not read to its end')
  })

  it('ignores a record whose bytes do not check, and all after it', async () => {
    // Prepare
    await journalWithSecondRecordDamaged()
    vi.spyOn(console, 'error').mockImplementation(() => {})

    // Act
    const reopened = await open()

    // Assess
    expect(await entries(reopened)).toEqual({ a: 1 })
  })

  it('keeps a damaged journal as it was beside it, and says on stderr how many bytes it dropped and where the copy is', async () => {
    // Prepare: the third record, acknowledged, goes with the damaged second.
    const { bytes, at } = await journalWithSecondRecordDamaged()
    const said = vi.spyOn(console, 'error').mockImplementation(() => {})

    // Act
    const reopened = await open()

    // Assess
    const copies = readdirSync(dir).filter((name) => name.startsWith(`${journalFile}.damaged-`))
    expect(copies).toHaveLength(1)
    const copy = join(dir, copies[0] ?? '')
    expect(readFileSync(copy)).toEqual(bytes)
    expect(said).toHaveBeenCalledOnce()
    const message = String(said.mock.calls[0]?.[0])
    expect(message).toContain(`${bytes.length - at} bytes`)
    expect(message).toContain(`from byte ${at} on`)
    expect(message).toContain(copy)
    expect(await entries(reopened)).toEqual({ a: 1 })
  })

  it('compacts the journal while open and keeps every live key', async () => {
    // Prepare
    const store = await open({ compactAfterBytes: 20_000 })
    let written = 0

    // Act: 100 keys overwritten again and again, a tenth deleted at the end.
    for (let round = 0; round < 50; round++) {
      for (let key = 0; key < 100; key++) {
        await store.put(`item~${key}`, { round, pad: 'x'.repeat(40) })
        written += 60
      }
    }
    for (let key = 0; key < 100; key += 10) await store.del(`item~${key}`)
    await store.close()
    const size = statSync(journal()).size
    const reopened = await open()

    // Assess
    expect(size).toBeLessThan(written / 4)
    const expected: Record<string, unknown> = {}
    for (let key = 0; key < 100; key++) {
      if (key % 10 !== 0) expected[`item~${key}`] = { round: 49, pad: 'x'.repeat(40) }
    }
    expect(await entries(reopened)).toEqual(expected)
  })

  it('keeps the writes acknowledged while a compaction runs, the last write to each key made during one', async () => {
    // Prepare: a journal small enough to compact again and again while writes keep coming.
    const store = await open({ compactAfterBytes: 2_000 })
    const acknowledged = new Map<string, unknown>()
    const pending: Promise<void>[] = []

    // Act: puts, dels and batches sent one a microtask without awaiting each, so that they land
    // between the steps of a compaction reading its snapshot (all microtasks too); each key's
    // value is only known once acknowledged.
    for (let wave = 0; wave < 60; wave++) {
      for (let key = 0; key < 20; key++) {
        const name = `item~${key}`
        const value = { wave, pad: 'x'.repeat(30) }
        if ((wave + key) % 7 === 0) {
          pending.push(store.del(name).then(() => void acknowledged.set(name, undefined)))
        } else if (key % 5 === 0) {
          pending.push(
            store
              .batch([
                { type: 'put', key: name, value },
                { type: 'put', key: `${name}~twin`, value },
              ])
              .then(() => {
                acknowledged.set(name, value)
                acknowledged.set(`${name}~twin`, value)
              }),
          )
        } else {
          pending.push(store.put(name, value).then(() => void acknowledged.set(name, value)))
        }
        await Promise.resolve()
      }
    }
    await Promise.all(pending)
    await store.close()
    const reopened = await open()

    // Assess
    const expected = Object.fromEntries(
      [...acknowledged].filter(([, value]) => value !== undefined),
    )
    expect(await entries(reopened)).toEqual(expected)
  })

  it('refuses a second open of the same folder, saying it is in use, and opens once the first closes', async () => {
    // Prepare
    const first = await open()
    await first.put('k', 1)

    // Act
    const refused = await open().then(
      () => undefined,
      (error: Error) => error,
    )
    await first.close()
    const after = await open()

    // Assess
    expect(refused?.cause).toBeInstanceOf(LocalDatabaseInUseError)
    expect(String((refused?.cause as Error | undefined)?.message)).toContain(
      `the local database in ${dir} is in use`,
    )
    expect(await entries(after)).toEqual({ k: 1 })
  })

  it('is not left locked by a process that was killed while it held the folder', async () => {
    // Prepare
    const script = `
      import { journaledLevel } from ${JSON.stringify(join(import.meta.dirname, '../../../local/journaled-store.ts'))}
      const Store = journaledLevel()
      const store = new Store(${JSON.stringify(dir)}, { valueEncoding: 'json' })
      await store.open()
      await store.put('from-the-killed-one', true)
      console.log('open')
      setInterval(() => {}, 1000)
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await once(child.stdout, 'data')

    // Act
    child.kill('SIGKILL')
    await once(child, 'exit')
    const store = await open()

    // Assess
    expect(await entries(store)).toEqual({ 'from-the-killed-one': true })
  })
})
