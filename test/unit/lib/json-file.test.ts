import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createWhole, writeWhole } from '../../../lib/json-file.ts'

describe('a file written whole', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-json-file-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  // The temporary file's name is longer than the file's: a name at the file system's limit
  // (255 bytes) fails on it alone, as a folder that cannot be written does for everyone but root.
  const atTheLimit = () => join(dir, `${'k'.repeat(250)}.json`)

  it.each([
    ['created', createWhole],
    ['replaced', writeWhole],
  ])(
    'that cannot be %s names the file asked for, not only its temporary file, and leaves nothing',
    async (_, write) => {
      // Prepare
      const file = atTheLimit()

      // Act
      const failure = await write(file, '{}').then(
        () => undefined,
        (error: NodeJS.ErrnoException) => error,
      )

      // Assess
      expect(failure?.message).toMatch(new RegExp(`^cannot write ${file}: ENAMETOOLONG`))
      expect(failure?.code).toBe('ENAMETOOLONG')
      expect(await readdir(dir)).toEqual([])
    },
  )
  it.each([
    ['created', createWhole],
    ['replaced', writeWhole],
  ])(
    'clears, when a file is %s, the temporary files a killed writer left beside it, and none a live process may be writing',
    async (_, write) => {
      // Prepare: beside `key.json`, what writers left: one killed (a pid no process has), one of
      // a live process (this one's parent), a killed one's just made, one named as before
      // 7 December 2026 (no pid), and files of other names
      const file = join(dir, 'key.json')
      const left = {
        killed: 'key.json.999999999.aaaaaaaaaaaa.tmp',
        live: `key.json.${process.ppid}.bbbbbbbbbbbb.tmp`,
        justMade: 'key.json.999999999.cccccccccccc.tmp',
        before: 'key.json.dddddddddddd.tmp',
        other: 'other.json.999999999.eeeeeeeeeeee.tmp',
        mine: 'key.json.backup',
      }
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
      for (const [which, name] of Object.entries(left)) {
        await writeFile(join(dir, name), 'a private key')
        if (which !== 'justMade') await utimes(join(dir, name), twoHoursAgo, twoHoursAgo)
      }

      // Act
      await write(file, '{}')

      // Assess
      expect((await readdir(dir)).sort()).toEqual(
        ['key.json', left.live, left.justMade, left.other, left.mine].sort(),
      )
    },
  )
  it("clears a temporary file left with this process's own pid, as a container restarted on one folder starts again with the same pid", async () => {
    // Prepare: the last run of a container killed mid-write; this run got the pid it had
    const file = join(dir, 'key.json')
    const killed = `key.json.${process.pid}.aaaaaaaaaaaa.tmp`
    await writeFile(join(dir, killed), 'a private key')
    const twoMinutesAgo = new Date(Date.now() - 120_000)
    await utimes(join(dir, killed), twoMinutesAgo, twoMinutesAgo)

    // Act
    await writeWhole(file, '{}')

    // Assess
    expect(await readdir(dir)).toEqual(['key.json'])
  })
})
