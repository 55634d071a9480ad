import { randomBytes } from 'node:crypto'
import { link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * How old a temporary file of a writer no longer running must be before it is cleared: a write
 * takes milliseconds, and a process in another PID namespace sharing the folder (a container's)
 * looks gone to this one, so age alone keeps its write in progress safe too.
 */
const staleAfterMs = 60_000

/**
 * How old a temporary file named as before 7 December 2026 (no pid) must be: only a process of
 * the version before could be writing one, and no write of it takes an hour.
 */
const unnamedStaleAfterMs = 3_600_000

/** Whether a process with this id runs (one of another user's answers EPERM: it runs). */
const runs = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

/**
 * The temporary files this process is writing: a file named by this process's pid but not among
 * them was left by an earlier process that had the same pid (a container restarted on the same
 * folder starts its processes with the same pids), so it is cleared as a gone process's is.
 */
const writing = new Set<string>()

/** Whether the writer of a temporary file named by `pid` may still be writing it. */
const mayBeWriting = (pid: number, temporary: string) =>
  pid === process.pid ? writing.has(temporary) : runs(pid)

/**
 * Removes the temporary files beside `path` that writers killed between their write and its
 * placing left (writeBeside names each by its process: `<file>.<pid>.<12 hex>.tmp`): those of a
 * process that no longer runs (this one's own, once not among those it is writing), a minute old,
 * and those named before the pid was, an hour old. A key file's holds its private key. Best effort: a file it cannot list or remove is left.
 *
 * @example
 * await clearStaleTemporaries('.switchboard/signing-key.json')
 */
export const clearStaleTemporaries = async (path: string): Promise<void> => {
  const name = basename(path)
  const left = (await readdir(dirname(path)).catch(() => [])).flatMap((entry) => {
    if (!entry.startsWith(`${name}.`)) return []
    const match = /^(?:(\d{1,10})\.)?[0-9a-f]{12}\.tmp$/.exec(entry.slice(name.length + 1))
    if (!match) return []
    const pid = match[1] === undefined ? undefined : Number(match[1])
    if (pid !== undefined && mayBeWriting(pid, join(dirname(path), entry))) return []
    return [{ entry, staleAfter: pid === undefined ? unnamedStaleAfterMs : staleAfterMs }]
  })
  await Promise.all(
    left.map(async ({ entry, staleAfter }) => {
      const temporary = join(dirname(path), entry)
      const { mtimeMs } = await stat(temporary).catch(() => ({ mtimeMs: Date.now() }))
      if (Date.now() - mtimeMs > staleAfter) await rm(temporary, { force: true }).catch(() => {})
    }),
  )
}

/**
 * Writes `text` into a temporary file beside `path` (readable by its owner
 * only), which `place` then puts at `path` whole; the temporary file is removed after, but for a
 * process killed in between, whose temporary file the next write beside `path` clears
 * (clearStaleTemporaries): each is named by its writer's pid for that.
 */
const writeBeside = async (
  path: string,
  text: string,
  place: (temporary: string) => Promise<void>,
): Promise<void> => {
  await mkdir(dirname(path), { recursive: true })
  await clearStaleTemporaries(path)
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  // As clearStaleTemporaries spells it (`path` may be written unnormalised, `./a/../key.json`).
  const listed = join(dirname(path), basename(temporary))
  writing.add(listed)
  try {
    await writeFile(temporary, text, { mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
      // Node's error names only the temporary file, one the reader never asked for.
      throw Object.assign(new Error(`cannot write ${path}: ${error.message}`, { cause: error }), {
        code: error.code,
      })
    })
    await place(temporary)
  } finally {
    // Its failure must not stand in for the write's own, nor fail a write that was made.
    await rm(temporary, { force: true }).catch(() => undefined)
    writing.delete(listed)
  }
}

/** Replaces the file at `path` with `text`, whole (see writeBeside). */
export const writeWhole = (path: string, text: string) =>
  writeBeside(path, text, (temporary) => rename(temporary, path))

/**
 * Creates the file at `path` with `text`, whole, unless it exists: true if it
 * created it (link() fails when the file is there: made once, whole, or not at all).
 */
export const createWhole = async (path: string, text: string): Promise<boolean> => {
  try {
    await writeBeside(path, text, (temporary) => link(temporary, path))
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

/** Per file, the end of the last change queued on it in this process. */
const turns = new Map<string, Promise<unknown>>()

/**
 * Runs `change` once every change to `path` queued before it in this process has ended, failed
 * ones included: the local stack's handlers each open the same files, and two read-change-write
 * cycles at once would lose one of the changes.
 *
 * @example
 * await inTurn(path, async () => writeWhole(path, changed(await readFile(path, 'utf8'))))
 */
export const inTurn = <T>(path: string, change: () => Promise<T>): Promise<T> => {
  const run = (turns.get(path) ?? Promise.resolve()).then(change)
  const ended = run.then(
    () => undefined,
    () => undefined,
  )
  turns.set(path, ended)
  void ended.then(() => {
    if (turns.get(path) === ended) turns.delete(path)
  })
  return run
}

/**
 * Changes to one JSON file, one at a time (`inTurn`): each reads the file, changes it and
 * writes it back whole, so no change is lost to another made at the same moment.
 *
 * @example
 * const update = jsonFileUpdates(path, load, (file) => JSON.stringify(file))
 * await update((file) => { file.secrets[arn] = value })
 */
export const jsonFileUpdates =
  <File>(path: string, load: () => Promise<File>, serialize: (file: File) => string) =>
  <T>(change: (file: File) => T): Promise<T> =>
    inTurn(path, async () => {
      const file = await load()
      const result = change(file)
      await writeWhole(path, serialize(file))
      return result
    })

/**
 * `JSON.parse`, its error never quoting the text: V8's does ("Unexpected token 's',
 * "{"a": supersecret}" is not valid JSON"), and a file of secrets or keys must not reach a log
 * that way. It keeps only where the text stopped being JSON, when V8 says.
 *
 * @example
 * parseJsonQuotingNothing('{"a": supersecret}') // throws SyntaxError('not JSON')
 */
export const parseJsonQuotingNothing = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (error) {
    const where = / at position \d+/.exec((error as Error).message)?.[0] ?? ''
    throw new SyntaxError(text.trim() === '' ? 'empty' : `not JSON${where}`)
  }
}

/**
 * The JSON in the file at `path`, or undefined when there is no file. One that cannot be read (a
 * folder in its place: Node's EISDIR names no file) or holds no JSON is refused with
 * `refused(reason, cause)`, which names the file and the way out; the reason quotes nothing of
 * the file (see parseJsonQuotingNothing).
 *
 * @example
 * const json = await readJsonFile(path, (reason, cause) => new Error(`${path} cannot be used (${reason}): remove it`, { cause }))
 */
export const readJsonFile = async (
  path: string,
  refused: (reason: string, cause: unknown) => Error,
): Promise<unknown> => {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw refused((error as Error).message, error)
  }
  try {
    return parseJsonQuotingNothing(text)
  } catch (error) {
    throw refused((error as Error).message, error)
  }
}
