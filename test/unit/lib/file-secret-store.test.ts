import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileSecretStore } from '../../../lib/secrets/file-secret-store.ts'

describe('file secret store', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-file-secrets-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('keeps the name and tags of a secret, and keeps them through a rotation', async () => {
    // Prepare
    const store = new FileSecretStore(join(dir, 'secrets.json'))
    const arn = await store.create('ops/key', 'v-1', { 'switchboard:agent-id': 'billing' })

    // Act
    await store.rotate(arn, 'v-2')

    // Assess
    expect(await store.describe(arn)).toEqual({
      name: 'ops/key',
      tags: { 'switchboard:agent-id': 'billing' },
    })
    expect(await store.read(arn)).toBe('v-2')
    expect(await store.describe(`${arn}x`)).toBeUndefined()
  })

  it('reads a file of an earlier version, where a secret was its bare value', async () => {
    // Prepare
    const arn = 'arn:aws:secretsmanager:local:000000000000:secret:switchboard/agents/a/1-abc123'
    await writeFile(join(dir, 'secrets.json'), JSON.stringify({ [arn]: 'v-0' }))
    const store = new FileSecretStore(join(dir, 'secrets.json'))

    // Act
    const described = await store.describe(arn)

    // Assess
    expect(described).toEqual({ name: 'switchboard/agents/a/1', tags: {} })
    expect(await store.read(arn)).toBe('v-0')
  })

  it('names the file, quoting none of it, and stores nothing, when it is no JSON object of secrets; works again once mended', async () => {
    // Prepare: an emptied file, one cut short, a secret written unquoted (V8's JSON error quotes
    // the text), and JSON of other shapes (an array kept nothing created in it).
    const path = join(dir, 'secrets.json')
    const store = new FileSecretStore(path)
    const arn = 'arn:aws:secretsmanager:local:000000000000:secret:ops/key-abcdef'

    // Act
    const outcomes: string[] = []
    const entry = (value: string) => JSON.stringify({ [arn]: JSON.parse(value) })
    for (const text of [
      '',
      '{"a":',
      '{"a": s3cr3t-value}',
      'null',
      '[]',
      '"x"',
      // Entries edited by hand: no secret's value, nor one with its name and tags.
      entry('null'),
      entry('42'),
      entry('{"name":"ops/key","tags":{},"value":7}'),
      entry('{"value":"s3cr3t-value"}'),
    ]) {
      await writeFile(path, text)
      for (const use of [() => store.read(arn), () => store.create('ops/key', 'v-1')]) {
        outcomes.push(
          await use().then(
            () => 'done',
            (error: Error) => error.message,
          ),
        )
      }
    }
    await writeFile(path, '{}')
    const created = await store.create('ops/key', 'v-1')

    // Assess
    for (const outcome of outcomes) {
      expect(outcome).toMatch(`the secrets file ${path} cannot be used (`)
      expect(outcome).not.toContain('s3cr3t')
    }
    expect(await store.read(created)).toBe('v-1')
  })
})
