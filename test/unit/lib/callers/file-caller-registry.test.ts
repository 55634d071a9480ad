import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileCallerRegistry } from '../../../../lib/callers/file-caller-registry.ts'

describe('FileCallerRegistry', () => {
  let dir: string
  let file: string
  const seed = {
    scopes: [{ scope: 'weather:invoke', description: 'Call the weather agent' }],
    clients: [{ clientId: 'app', clientSecret: 'app-secret-seeded', scopes: ['weather:invoke'] }],
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-callers-'))
    file = join(dir, 'identity.json')
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('names a damaged identity file, quoting none of it (it holds client secrets, hashed)', async () => {
    // Prepare: the file cut short, or edited by hand
    await writeFile(file, '{"clients":[{"clientId":"app","secretHash":s3cr3t-hash')

    // Act
    const failure = await new FileCallerRegistry(file).listScopes().catch((error: Error) => error)

    // Assess
    expect(String(failure)).toContain(file)
    expect(String(failure)).not.toContain('s3cr3t')
  })

  it('names an identity file it cannot read, and the way out (a folder in its place: Node names no file)', async () => {
    // Prepare
    await mkdir(file)

    // Act
    const failure = await new FileCallerRegistry(file).listScopes().catch((error: Error) => error)

    // Assess
    expect(String(failure)).toContain(`the identity file ${file} cannot be used`)
    expect(String(failure)).toContain('put back a saved copy, or remove it')
  })

  it('refuses a scope past the 100 Cognito holds for a resource server, as on AWS', async () => {
    // Prepare
    const registry = new FileCallerRegistry(file)
    await registry.seedIfAbsent(seed)
    for (let i = 0; i < 99; i++) {
      await registry.putScope({ scope: `team-${i}:invoke`, description: `team ${i}` })
    }

    // Act
    const past = registry.putScope({ scope: 'one-more:invoke', description: 'the 101st' })

    // Assess
    await expect(past).rejects.toMatchObject({ code: 'scope-limit' })
    expect(await registry.listScopes()).toHaveLength(100)
  })

  it('lists its clients in pages by client id, the next resuming after the last even once it is deleted', async () => {
    // Prepare
    const registry = new FileCallerRegistry(file)
    await registry.seedIfAbsent(seed)
    for (const name of ['b', 'c', 'd', 'e']) {
      await registry.createClient({ name, scopes: ['weather:invoke'] })
    }
    const byId = (await registry.listClients()).map(({ clientId }) => clientId).sort()

    // Act
    const first = await registry.listClientPage({ limit: 2 })
    await registry.deleteClient(first.next as string)
    const second = await registry.listClientPage({ limit: 2, after: first.next })
    const last = await registry.listClientPage({ limit: 2, after: second.next })

    // Assess
    expect(first.clients.map(({ clientId }) => clientId)).toEqual(byId.slice(0, 2))
    expect(first.next).toBe(byId[1])
    expect(second.clients.map(({ clientId }) => clientId)).toEqual(byId.slice(2, 4))
    expect(last.clients.map(({ clientId }) => clientId)).toEqual(byId.slice(4))
    expect(last).not.toHaveProperty('next')
  })

  it('keeps client secrets only as scrypt hashes, never in clear', async () => {
    // Prepare
    const registry = new FileCallerRegistry(file)
    await registry.seedIfAbsent(seed)

    // Act
    const created = await registry.createClient({ name: 'reports', scopes: ['weather:invoke'] })
    const stored = await readFile(file, 'utf8')

    // Assess
    expect(stored).not.toContain(created.clientSecret)
    expect(stored).not.toContain('app-secret-seeded')
    expect(stored).toMatch(/"scrypt\$/)
    expect(await registry.verify(created.clientId, created.clientSecret)).toEqual({
      clientId: created.clientId,
      name: 'reports',
      scopes: ['weather:invoke'],
    })
  })

  it('seeds a fresh file only: a second seed leaves what the admin API changed', async () => {
    // Prepare
    const registry = new FileCallerRegistry(file)
    const first = await registry.seedIfAbsent(seed)
    await registry.updateClient('app', { name: 'renamed', scopes: [] })

    // Act
    const second = await new FileCallerRegistry(file).seedIfAbsent(seed)

    // Assess
    expect([first, second]).toEqual([true, false])
    expect(await registry.getClient('app')).toEqual({
      clientId: 'app',
      name: 'renamed',
      scopes: [],
    })
  })

  it('takes the old secret away when it rotates, and the deleted client gets nothing', async () => {
    // Prepare
    const registry = new FileCallerRegistry(file)
    await registry.seedIfAbsent(seed)

    // Act
    const rotated = await registry.rotateSecret('app')
    const oldVerifies = await registry.verify('app', 'app-secret-seeded')
    const newVerifies = await registry.verify('app', rotated?.clientSecret ?? '')
    await registry.deleteClient('app')
    const afterDelete = await registry.verify('app', rotated?.clientSecret ?? '')

    // Assess
    expect(oldVerifies).toBeUndefined()
    expect(newVerifies?.clientId).toBe('app')
    expect(afterDelete).toBeUndefined()
  })

  it('writes each of many concurrent changes whole, leaving no temporary file', async () => {
    // Prepare
    const registry = new FileCallerRegistry(file)
    await registry.seedIfAbsent(seed)

    // Act
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        registry.putScope({ scope: `scope-${index}`, description: `number ${index}` }),
      ),
    )

    // Assess
    expect((await registry.listScopes()).length).toBe(21)
    expect(await readdir(dir)).toEqual(['identity.json'])
  })
})
