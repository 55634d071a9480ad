/**
 * The local database's storage under dynalite (local/database-worker.ts): its
 * data in memory (memory-level, dynalite's own in-memory store) and every
 * acknowledged write journaled to a file in the state folder, so that it
 * survives a restart as it did on LevelDB, without LevelDB's asynchronous
 * N-API hop on each of the several gets and puts dynalite makes per request.
 *
 * - The journal (`data.journal`): a header line, then records. A record is one
 *   put, one del, or one whole batch (all-or-nothing on replay): its payload's
 *   length (uint32 LE), the payload's CRC-32 (uint32 LE), the payload: per
 *   operation a byte (1 put, 2 del), the key's length (uint32 LE) and bytes,
 *   and for a put the value's length and bytes (the bytes dynalite's LevelDB
 *   held: keys as UTF-8, values as JSON).
 * - Each record is written (a synchronous `write`, to the OS's buffers: as
 *   LevelDB's default non-sync writes) before the operation completes.
 * - On open the journal is replayed up to its last whole record (a record torn
 *   by a crash, or anything after a record that does not check, is dropped;
 *   whenever anything is, the file as it was is kept beside it as
 *   `data.journal.damaged-<time>` and stderr says so), then written again
 *   whole (compaction: a temporary file, synced, renamed into place, its
 *   descriptor kept as the journal's); while open, again when it passes
 *   `compactAfterBytes` and four times the live data.
 * - A state folder of the previous version (LevelDB's files) is read once with
 *   classic-level, written as a journal, and only then its files are moved into
 *   `leveldb-before-journal/`.
 * - One process at a time: the lock is an empty LevelDB held open in `lock/`
 *   (LevelDB's `LOCK`, an fcntl lock the OS drops when the process dies; a
 *   second open, from another process or this one, is refused).
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { crc32 } from 'node:zlib'
import { dynaliteModules } from './dynalite-modules.ts'

/** The journal's file in the database folder. */
export const journalFile = 'data.journal'
/** Where the previous version's LevelDB files go once migrated. */
export const migratedDir = 'leveldb-before-journal'
/** The folder of the empty LevelDB whose lock says the database is open. */
const lockDir = 'lock'
/** What a journal of this format begins with. */
const header = Buffer.from('switchboard journal 1\n')
/** Compaction while open waits for the journal to pass this size (and four times the live data). */
export const defaultCompactAfterBytes = 4 * 1024 * 1024

const put = 1
const del = 2

/** One operation of a record, as stored: bytes. */
export type JournalOperation =
  | { type: 'put'; key: Uint8Array; value: Uint8Array }
  | { type: 'del'; key: Uint8Array }

/** The database folder is open in another process (or elsewhere in this one). */
export class LocalDatabaseInUseError extends Error {
  constructor(dir: string, cause: unknown) {
    super(
      `the local database in ${dir} is in use by another program (an npm start, or a script such as npm run reindex, on the same SWITCHBOARD_STATE_DIR): stop it, or give this one another SWITCHBOARD_STATE_DIR`,
      { cause },
    )
    this.name = 'LocalDatabaseInUseError'
  }
}

/** The journal file is not one this version writes. */
export class JournalFormatError extends Error {
  constructor(path: string) {
    super(
      `${path} is not a journal of this version (it does not begin with ${JSON.stringify(header.toString())})`,
    )
    this.name = 'JournalFormatError'
  }
}

/** The bytes a put of `key` and `value` takes in a record (what an entry takes in the journal). */
const entryBytes = (key: Uint8Array, value: Uint8Array) => 9 + key.byteLength + value.byteLength

const operationBytes = (operation: JournalOperation) =>
  operation.type === 'put'
    ? entryBytes(operation.key, operation.value)
    : 5 + operation.key.byteLength

/** One record holding `operations`, framed (length, CRC-32, payload). */
export const encodeRecord = (operations: readonly JournalOperation[]): Buffer => {
  let length = 0
  for (const operation of operations) length += operationBytes(operation)
  const record = Buffer.allocUnsafe(8 + length)
  record.writeUInt32LE(length, 0)
  let at = 8
  for (const operation of operations) {
    record[at] = operation.type === 'put' ? put : del
    record.writeUInt32LE(operation.key.byteLength, at + 1)
    record.set(operation.key, at + 5)
    at += 5 + operation.key.byteLength
    if (operation.type === 'put') {
      record.writeUInt32LE(operation.value.byteLength, at)
      record.set(operation.value, at + 4)
      at += 4 + operation.value.byteLength
    }
  }
  record.writeUInt32LE(crc32(record.subarray(8)), 4)
  return record
}

/** A record's operations, or undefined when its payload does not parse. */
const decodePayload = (payload: Buffer): JournalOperation[] | undefined => {
  const operations: JournalOperation[] = []
  let at = 0
  const bytes = (length: number) => {
    const slice = Buffer.from(payload.subarray(at, at + length))
    at += length
    return slice
  }
  while (at < payload.length) {
    if (at + 5 > payload.length) return undefined
    const type = payload[at]
    const keyLength = payload.readUInt32LE(at + 1)
    at += 5
    if (at + keyLength > payload.length || (type !== put && type !== del)) return undefined
    const key = bytes(keyLength)
    if (type === del) {
      operations.push({ type: 'del', key })
      continue
    }
    if (at + 4 > payload.length) return undefined
    const valueLength = payload.readUInt32LE(at)
    at += 4
    if (at + valueLength > payload.length) return undefined
    operations.push({ type: 'put', key, value: bytes(valueLength) })
  }
  return operations
}

export interface JournalContents {
  /** The whole records, in order. */
  records: JournalOperation[][]
  /** Bytes from the file's start to the end of its last whole record (0: not even a whole header). */
  whole: number
}

/**
 * Reads a journal's bytes up to its last whole record: a record cut short, or
 * whose CRC or payload does not check, ends it (it and what follows are dropped).
 */
export const readJournal = (bytes: Buffer, path = journalFile): JournalContents => {
  if (bytes.length < header.length) {
    if (header.subarray(0, bytes.length).equals(bytes)) return { records: [], whole: 0 }
    throw new JournalFormatError(path)
  }
  if (!bytes.subarray(0, header.length).equals(header)) throw new JournalFormatError(path)
  const records: JournalOperation[][] = []
  let at = header.length
  while (at + 8 <= bytes.length) {
    const length = bytes.readUInt32LE(at)
    const end = at + 8 + length
    if (end > bytes.length) break
    const payload = bytes.subarray(at + 8, end)
    if (crc32(payload) !== bytes.readUInt32LE(at + 4)) break
    const operations = decodePayload(payload)
    if (!operations) break
    records.push(operations)
    at = end
  }
  return { records, whole: at }
}

const writeAll = (fd: number, bytes: Uint8Array, position?: number) => {
  let written = 0
  while (written < bytes.byteLength) {
    written += writeSync(
      fd,
      bytes,
      written,
      bytes.byteLength - written,
      position === undefined ? null : position + written,
    )
  }
}

/** Makes a rename in `dir` durable where the platform allows (best effort). */
const syncDir = (dir: string) => {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Not every platform opens or syncs a folder.
  }
}

/** Entries per record in a journal written whole. */
const entriesPerRecord = 1000

export interface WrittenJournal {
  /** The journal's size. */
  size: number
  /** The journal's descriptor, open for reading and writing (the rename keeps the file). */
  fd: number
}

/**
 * Writes a journal holding `entries` (as puts) at `path`, whole: a temporary
 * file (then `tail`, given its descriptor), synced, renamed into place. Returns
 * its size and its descriptor, still open: the caller closes it. When it throws,
 * nothing changed at `path` and no descriptor is left open.
 */
export const writeJournalWhole = (
  path: string,
  entries: Iterable<readonly [Uint8Array, Uint8Array]>,
  tail?: (fd: number) => void,
): WrittenJournal => {
  const temporary = `${path}.tmp`
  const fd = openSync(temporary, 'w+', 0o600)
  try {
    writeAll(fd, header)
    let size = header.length
    let batch: JournalOperation[] = []
    const flush = () => {
      if (batch.length === 0) return
      const record = encodeRecord(batch)
      writeAll(fd, record)
      size += record.length
      batch = []
    }
    for (const [key, value] of entries) {
      batch.push({ type: 'put', key, value })
      if (batch.length >= entriesPerRecord) flush()
    }
    flush()
    tail?.(fd)
    fsyncSync(fd)
    renameSync(temporary, path)
    syncDir(dirname(path))
    return { size, fd }
  } catch (error) {
    try {
      closeSync(fd)
    } catch {
      // Closed already.
    }
    rmSync(temporary, { force: true })
    throw error
  }
}

/** What the journaled store needs of memory-level's MemoryLevel (its internal methods). */
interface MemoryLevelInternals {
  readonly status: string
  _put(key: Buffer, value: Buffer, options: object): Promise<void>
  _del(key: Buffer, options: object): Promise<void>
  _batch(operations: readonly JournalOperation[], options: object): Promise<void>
  _clear(options: object): Promise<void>
  _getSync(key: Buffer, options: object): Buffer | undefined
  _open(options: object): Promise<void>
  _close(): Promise<void>
  snapshot(): { close(): Promise<void> }
  iterator(options: object): {
    nextv(size: number): Promise<[Buffer, Buffer][]>
    close(): Promise<void>
  }
  keys(options: object): { all(): Promise<Buffer[]> }
}
type MemoryLevelClass = new (options: object) => MemoryLevelInternals
interface ClassicLevelInstance {
  open(): Promise<void>
  close(): Promise<void>
  iterator(options: object): {
    nextv(size: number): Promise<[Buffer, Buffer][]>
    close(): Promise<void>
  }
}
type ClassicLevelClass = new (location: string, options?: object) => ClassicLevelInstance

export interface JournaledLevelOptions {
  valueEncoding?: string
  keyEncoding?: string
  /** Compaction while open waits for the journal to pass this many bytes (and 4x the live data). */
  compactAfterBytes?: number
}

/** A store as dynalite's `new Level(path, options)` makes it. */
export type JournaledLevel = MemoryLevelInternals & {
  readonly location: string
  open(): Promise<void>
  close(): Promise<void>
}
export type JournaledLevelClass = new (
  location: string,
  options?: JournaledLevelOptions,
) => JournaledLevel

const isLocked = (error: unknown): boolean => {
  for (let at = error; at instanceof Error; at = at.cause) {
    if ((at as NodeJS.ErrnoException).code === 'LEVEL_LOCKED') return true
  }
  return false
}

/** Every entry an iterator yields, read in slices; the iterator is closed after. */
const readAll = async (iterator: {
  nextv(size: number): Promise<[Buffer, Buffer][]>
  close(): Promise<void>
}): Promise<[Buffer, Buffer][]> => {
  const entries: [Buffer, Buffer][] = []
  try {
    for (;;) {
      const slice = await iterator.nextv(entriesPerRecord)
      if (slice.length === 0) return entries
      entries.push(...slice)
    }
  } finally {
    await iterator.close()
  }
}

/** LevelDB's own files in a folder (what migration moves aside). */
const levelDbFiles = (dir: string) =>
  readdirSync(dir).filter((name) =>
    /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(log|ldb|sst))$/.test(name),
  )

/**
 * Reads the previous version's LevelDB in `dir` (classic-level) into a journal
 * at `journal`, whole; only then moves LevelDB's files aside.
 */
const migrateLevelDb = async (ClassicLevel: ClassicLevelClass, dir: string, journal: string) => {
  const level = new ClassicLevel(dir, {
    createIfMissing: false,
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
  })
  try {
    await level.open()
  } catch (error) {
    if (isLocked(error)) throw new LocalDatabaseInUseError(dir, error)
    throw new Error(`could not read the previous version's database in ${dir}`, { cause: error })
  }
  let entries: [Buffer, Buffer][]
  try {
    entries = await readAll(level.iterator({ keyEncoding: 'buffer', valueEncoding: 'buffer' }))
  } finally {
    await level.close()
  }
  closeSync(writeJournalWhole(journal, entries).fd)
  moveLevelDbAside(dir)
}

/** Moves LevelDB's files (all of them, or what a crash mid-move left) into `migratedDir`. */
const moveLevelDbAside = (dir: string) => {
  const files = levelDbFiles(dir)
  if (files.length === 0) return
  let aside = join(dir, migratedDir)
  // A folder migrated earlier (then an older version ran here again) is kept too.
  if (existsSync(join(aside, 'CURRENT')) && files.includes('CURRENT')) {
    aside = join(dir, `${migratedDir}-${new Date().toISOString().replace(/[:.]/g, '-')}`)
  }
  mkdirSync(aside, { recursive: true })
  // CURRENT last: until it goes, the folder still reads as LevelDB's.
  for (const name of [...files.filter((file) => file !== 'CURRENT'), 'CURRENT']) {
    if (files.includes(name)) renameSync(join(dir, name), join(aside, name))
  }
  syncDir(dir)
}

/**
 * The journaled store's class, on dynalite's own memory-level (its base) and
 * classic-level (the lock and the migration).
 */
export const journaledLevelClass = (
  MemoryLevel: MemoryLevelClass,
  ClassicLevel: ClassicLevelClass,
): JournaledLevelClass =>
  class JournaledLevel extends MemoryLevel {
    readonly location: string
    readonly #compactAfterBytes: number
    readonly #journal: string
    #fd: number | undefined
    /** The journal's size: where the next record goes. */
    #size = 0
    /** About the bytes the live entries take in a journal (exact after each compaction). */
    #live = 0
    #compaction: Promise<void> | undefined
    #lock: ClassicLevelInstance | undefined

    constructor(location: string, options: JournaledLevelOptions = {}) {
      const { compactAfterBytes, ...forward } = options
      if (typeof location !== 'string' || location === '') {
        throw new TypeError('the journaled store needs a folder')
      }
      super({ ...forward, storeEncoding: 'buffer' })
      this.location = location
      this.#journal = join(location, journalFile)
      this.#compactAfterBytes = compactAfterBytes ?? defaultCompactAfterBytes
    }

    override async _open(options: object): Promise<void> {
      await super._open(options)
      mkdirSync(this.location, { recursive: true })
      const lock = new ClassicLevel(join(this.location, lockDir))
      try {
        await lock.open()
      } catch (error) {
        if (isLocked(error)) throw new LocalDatabaseInUseError(this.location, error)
        throw error
      }
      try {
        if (!existsSync(this.#journal) && existsSync(join(this.location, 'CURRENT'))) {
          await migrateLevelDb(ClassicLevel, this.location, this.#journal)
        }
        // What a crash mid-move left behind (the journal is whole: it came first).
        moveLevelDbAside(this.location)
        await this.#load()
      } catch (error) {
        await lock.close()
        throw error
      }
      this.#lock = lock
    }

    /** Replays the journal into memory, then writes it again whole (compaction at open). */
    async #load() {
      const bytes = existsSync(this.#journal) ? readFileSync(this.#journal) : Buffer.alloc(0)
      const { records, whole } = readJournal(bytes, this.#journal)
      if (whole < bytes.length) this.#keepDamaged(bytes, whole)
      const live = new Map<string, readonly [Uint8Array, Uint8Array]>()
      for (const operations of records) {
        for (const operation of operations) {
          const id = Buffer.from(operation.key).toString('latin1')
          if (operation.type === 'put') live.set(id, [operation.key, operation.value])
          else live.delete(id)
        }
      }
      await super._batch(
        [...live.values()].map(([key, value]) => ({ type: 'put', key, value })),
        {},
      )
      // Written again whole: a torn last record goes with the rest of what is dead.
      const written = writeJournalWhole(this.#journal, live.values())
      this.#fd = written.fd
      this.#size = written.size
      this.#live = 0
      for (const [key, value] of live.values()) this.#live += entryBytes(key, value)
    }

    /**
     * Copies a journal that does not read to its end (`whole` of its bytes do)
     * aside, synced, before compaction drops the rest, and says so on stderr: a
     * record torn by a crash is all a tail should be, but a damaged one in the
     * middle takes every acknowledged write after it along.
     */
    #keepDamaged(bytes: Buffer, whole: number) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-')
      const copy = `${this.#journal}.damaged-${stamp}`
      try {
        const fd = openSync(copy, 'wx', 0o600)
        try {
          writeAll(fd, bytes)
          fsyncSync(fd)
        } finally {
          closeSync(fd)
        }
      } catch (error) {
        // The journal is untouched: the open fails, and nothing is dropped without its copy.
        rmSync(copy, { force: true })
        throw new Error(
          `the local database's journal ${this.#journal} does not read to its end, and the copy that would keep it before the rest is dropped could not be written (${copy})`,
          { cause: error },
        )
      }
      syncDir(this.location)
      console.error(
        `the local database's journal ${this.#journal} does not read to its end: the ${bytes.length - whole} bytes from byte ${whole} on (a write torn by a crash, or damage) are dropped; the journal as it was is kept in ${copy}`,
      )
    }

    override async _close(): Promise<void> {
      await this.#compaction
      if (this.#fd !== undefined) closeSync(this.#fd)
      this.#fd = undefined
      await this.#lock?.close()
      this.#lock = undefined
      await super._close()
    }

    /**
     * Appends a record; a failed write cuts the file back and throws, and dynalite
     * (`if (err) throw err`) then ends the database's thread: nothing acknowledged is lost.
     */
    #append(operations: readonly JournalOperation[]) {
      if (this.#fd === undefined) throw new Error(`the journal ${this.#journal} is not open`)
      const record = encodeRecord(operations)
      try {
        writeAll(this.#fd, record, this.#size)
      } catch (error) {
        try {
          ftruncateSync(this.#fd, this.#size)
        } catch {
          // The torn bytes lie past the last whole record: replay drops them.
        }
        throw error
      }
      this.#size += record.length
    }

    /** How the live data changes when `operation` applies (against the current entry). */
    #liveChange(operation: JournalOperation) {
      const before = super._getSync(operation.key as Buffer, {})
      const gone = before === undefined ? 0 : entryBytes(operation.key, before)
      return (operation.type === 'put' ? entryBytes(operation.key, operation.value) : 0) - gone
    }

    override async _put(key: Buffer, value: Buffer, options: object): Promise<void> {
      const operation = { type: 'put', key, value } as const
      this.#append([operation])
      this.#live += this.#liveChange(operation)
      await super._put(key, value, options)
      this.#compactIfDue()
    }

    override async _del(key: Buffer, options: object): Promise<void> {
      const operation = { type: 'del', key } as const
      this.#append([operation])
      this.#live += this.#liveChange(operation)
      await super._del(key, options)
      this.#compactIfDue()
    }

    override async _batch(operations: readonly JournalOperation[], options: object) {
      if (operations.length === 0) return
      this.#append(operations)
      for (const operation of operations) this.#live += this.#liveChange(operation)
      await super._batch(operations, options)
      this.#compactIfDue()
    }

    /** A clear is the deletes of the keys it clears, as one batch. */
    override async _clear(options: object): Promise<void> {
      const keys = await this.keys({ ...options, keyEncoding: 'buffer' }).all()
      await this._batch(
        keys.map((key) => ({ type: 'del', key })),
        {},
      )
    }

    #compactIfDue() {
      if (this.#compaction || this.#size <= this.#compactAfterBytes) return
      if (this.#size <= 4 * this.#live) return
      this.#compaction = this.#compact()
        .catch((error: Error) => {
          // A close stops the snapshot's iterator: not a failure worth saying.
          if (this.status !== 'open') return
          console.error(`the local database's journal stays as it is: ${error.message}`)
        })
        .finally(() => {
          this.#compaction = undefined
        })
    }

    /**
     * Writes the journal again whole: the entries of a snapshot, then the records
     * appended meanwhile (copied as they are), renamed into place in one step.
     */
    async #compact() {
      const from = this.#size
      const snapshot = this.snapshot()
      let entries: [Buffer, Buffer][]
      try {
        entries = await readAll(
          this.iterator({ snapshot, keyEncoding: 'buffer', valueEncoding: 'buffer' }),
        )
      } finally {
        await snapshot.close()
      }
      if (this.#fd === undefined) return
      const fd = this.#fd
      // From here to the end, synchronous: no write comes between.
      const since = Buffer.allocUnsafe(this.#size - from)
      if (since.length > 0) readSync(fd, since, 0, since.length, from)
      // Until the rename inside succeeds, nothing changed: a throw leaves the journal and #fd as they were.
      const written = writeJournalWhole(this.#journal, entries, (temporary) =>
        writeAll(temporary, since),
      )
      // The new journal's descriptor, handed back open: no second open that could fail.
      this.#fd = written.fd
      this.#size = written.size + since.length
      try {
        closeSync(fd)
      } catch {
        // The old file is unlinked already: a failed close loses nothing.
      }
      this.#live = 0
      for (const [key, value] of entries) this.#live += entryBytes(key, value)
    }
  } as unknown as JournaledLevelClass

/**
 * dynalite's own memory-level and classic-level (as its `level` exports it),
 * so the store is built on exactly what dynalite would have used.
 */
const dynaliteLevels = () => {
  const { dir: dynaliteDir, require: requireFromDynalite } = dynaliteModules()
  const levelPath = requireFromDynalite.resolve('level')
  const level = requireFromDynalite('level') as { Level: unknown }
  const { MemoryLevel } = requireFromDynalite('memory-level') as { MemoryLevel: MemoryLevelClass }
  return { dynaliteDir, requireFromDynalite, levelPath, level, MemoryLevel }
}

/** Marks the class installed in a `level` module, and keeps the one it replaced. */
const replaced = Symbol.for('switchboard.journaledStore.replaced')

/**
 * The journaled store's class on dynalite's modules (for tests and tools that
 * open a database folder without dynalite).
 */
export const journaledLevel = (): JournaledLevelClass => {
  const { level, MemoryLevel } = dynaliteLevels()
  const classic = ((level.Level as Record<symbol, unknown>)[replaced] ??
    level.Level) as ClassicLevelClass
  return journaledLevelClass(MemoryLevel, classic)
}

export interface InstalledStore {
  /**
   * Waits until the stores dynalite made for `path` are open: rejects with why
   * one could not open (LocalDatabaseInUseError, a journal it cannot read), or
   * when dynalite made none (its data would not be journaled).
   */
  opened(path: string): Promise<void>
}

/**
 * Makes dynalite keep the data it is given a `path` for in the journaled store:
 * replaces the `Level` its db/index.js takes from `level` when loaded, so this
 * must run before dynalite is loaded in this thread. Throws, rather than
 * letting dynalite run on LevelDB or lose its data, when dynalite's modules are
 * not shaped as expected or it is loaded already.
 *
 * @example
 * const store = installJournaledStore()
 * const { default: dynalite } = await import('dynalite')
 * const server = dynalite({ path })
 * await store.opened(path)
 */
export const installJournaledStore = (): InstalledStore => {
  const { dynaliteDir, requireFromDynalite, level, MemoryLevel } = dynaliteLevels()
  const dbIndex = requireFromDynalite.resolve(join(dynaliteDir, 'db', 'index.js'))
  const source = readFileSync(dbIndex, 'utf8')
  const expected = [
    "{ Level } = require('level')",
    "new Level(options.path, { valueEncoding: 'json' })",
  ]
  const missing = expected.filter((text) => !source.includes(text))
  if (missing.length > 0) {
    throw new Error(
      `dynalite's db/index.js no longer has ${missing.map((text) => `'${text}'`).join(' and ')}: the journaled store cannot go under it`,
    )
  }
  const current = level.Level as Record<symbol, unknown>
  const created: JournaledLevel[] = []
  const ClassicLevel = (current[replaced] ?? current) as ClassicLevelClass
  if (requireFromDynalite.cache[dbIndex] && !current[replaced]) {
    throw new Error('dynalite is loaded already: the journaled store must be installed before it')
  }
  const Journaled = journaledLevelClass(MemoryLevel, ClassicLevel)
  // What dynalite calls as `new Level(path, options)`: the journaled store, noted for opened().
  const Installed = function JournaledStore(location: string, options?: JournaledLevelOptions) {
    const store = new Journaled(location, options)
    created.push(store)
    return store
  } as unknown as Record<symbol, unknown>
  Installed[replaced] = ClassicLevel
  level.Level = Installed
  return {
    opened: async (path) => {
      const stores = created.filter((store) => store.location === path)
      if (stores.length === 0) {
        throw new Error(`dynalite made no journaled store for ${path}: its data would not be kept`)
      }
      await Promise.all(
        stores.map((store) =>
          store.open().catch((error: Error) => {
            // abstract-level's "Database failed to open" carries the reason as its cause.
            throw error.cause instanceof Error ? error.cause : error
          }),
        ),
      )
    },
  }
}
