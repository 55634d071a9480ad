import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { SecretStore } from './secret-store.ts'

/**
 * Secrets in one JSON file (mode 600), for the laptop runtime. ARNs look like
 * Secrets Manager's so records are the same shape everywhere.
 */
export class FileSecretStore implements SecretStore {
  readonly #path: string
  #queue: Promise<unknown> = Promise.resolve()

  constructor(path: string) {
    this.#path = path
  }

  async create(name: string, value: string): Promise<string> {
    const arn = `arn:aws:secretsmanager:local:000000000000:secret:${name}-${randomBytes(3).toString('hex')}`
    await this.#update((secrets) => {
      secrets[arn] = value
    })
    return arn
  }

  async delete(arn: string): Promise<void> {
    await this.#update((secrets) => {
      delete secrets[arn]
    })
  }

  async read(arn: string): Promise<string> {
    const value = (await this.#load())[arn]
    if (value === undefined) throw new Error(`no secret ${arn} in ${this.#path}`)
    return value
  }

  /** Whether a secret is stored (for tests of the local runtime). */
  async has(arn: string): Promise<boolean> {
    return arn in (await this.#load())
  }

  /** Gives a secret a new value, as a rotation does. */
  async rotate(arn: string, value: string): Promise<void> {
    await this.#update((secrets) => {
      secrets[arn] = value
    })
  }

  async #load(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(this.#path, 'utf8'))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw error
    }
  }

  // One change at a time, written whole then renamed, so a crash never leaves half a file.
  #update(change: (secrets: Record<string, string>) => void): Promise<void> {
    const next = this.#queue.then(async () => {
      const secrets = await this.#load()
      change(secrets)
      await mkdir(dirname(this.#path), { recursive: true })
      const temporary = `${this.#path}.${process.pid}.tmp`
      await writeFile(temporary, JSON.stringify(secrets), { mode: 0o600 })
      await rename(temporary, this.#path)
    })
    this.#queue = next.catch(() => undefined)
    return next
  }
}
