import { mkdtemp, readdir, rm } from 'node:fs/promises'
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
})
