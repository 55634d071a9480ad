import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')
const run = promisify(execFile)

/**
 * A blank setting is unset (README, *Configuration*): `npm run reindex` with `TOKEN_ISSUER=" "`
 * (an env file's line with a space) works on the laptop's state, as with none set, rather than
 * taking the environment for a deployed configuration that lib/config.ts then finds no issuer in.
 */
describe('npm run reindex with a blank TOKEN_ISSUER', () => {
  let stateDir: string

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'switchboard-blank-issuer-'))
  })
  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true })
  })

  it("reindexes the laptop's state, as with none set", async () => {
    // Prepare: the environment of a developer's shell, with the blank line
    const { TOKEN_ISSUER: _issuer, DYNAMODB_ENDPOINT: _endpoint, ...shell } = process.env

    // Act
    const outcome = await run(process.execPath, ['local/reindex.ts'], {
      cwd: root,
      env: { ...shell, TOKEN_ISSUER: ' ', SWITCHBOARD_STATE_DIR: stateDir },
    }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    )

    // Assess
    expect(outcome).toEqual({ code: 0, stderr: '' })
  }, 60_000)
})
