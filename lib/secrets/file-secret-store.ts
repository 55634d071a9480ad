import { randomBytes } from 'node:crypto'
import * as z from 'zod'
import { jsonFileUpdates, readJsonFile } from '../json-file.ts'
import type { SecretDescription, SecretStore } from './secret-store.ts'

interface StoredSecret extends SecretDescription {
  value: string
}

/** The file keeps, per ARN, a secret with its name and tags (once, only its value). */
type SecretsFile = Record<string, StoredSecret | string>

/** One entry of the file, as `SecretsFile` has it (its issues quote nothing of the file). */
const storedEntry = z.union([
  z.string(),
  z.object({ name: z.string(), tags: z.record(z.string(), z.string()), value: z.string() }),
])

const arnPrefix = 'arn:aws:secretsmanager:local:000000000000:secret:'

/** A secret as stored; one kept as a bare value gets its name back from its ARN. */
const storedSecret = (arn: string, entry: StoredSecret | string | undefined) =>
  typeof entry === 'string'
    ? { name: arn.slice(arnPrefix.length, -'-abcdef'.length), tags: {}, value: entry }
    : entry

/**
 * Secrets in one JSON file (mode 600), for the laptop runtime. ARNs look like
 * Secrets Manager's so records are the same shape everywhere, and secrets keep
 * their name and tags as Secrets Manager does.
 */
export class FileSecretStore implements SecretStore {
  readonly #path: string
  /** One change at a time, written whole, so a crash never leaves half a file. */
  readonly #update: <T>(change: (secrets: SecretsFile) => T) => Promise<T>

  constructor(path: string) {
    this.#path = path
    this.#update = jsonFileUpdates(
      path,
      () => this.#load(),
      (secrets) => JSON.stringify(secrets),
    )
  }

  async create(name: string, value: string, tags: Record<string, string> = {}): Promise<string> {
    const arn = `${arnPrefix}${name}-${randomBytes(3).toString('hex')}`
    await this.#update((secrets) => {
      secrets[arn] = { name, tags, value }
    })
    return arn
  }

  async delete(arn: string): Promise<void> {
    await this.#update((secrets) => {
      delete secrets[arn]
    })
  }

  async read(arn: string): Promise<string> {
    const secret = storedSecret(arn, (await this.#load())[arn])
    if (secret === undefined) throw new Error(`no secret ${arn} in ${this.#path}`)
    return secret.value
  }

  async describe(arn: string): Promise<SecretDescription | undefined> {
    const secret = storedSecret(arn, (await this.#load())[arn])
    return secret && { name: secret.name, tags: secret.tags }
  }

  /** Whether a secret is stored (for tests of the local runtime). */
  async has(arn: string): Promise<boolean> {
    return arn in (await this.#load())
  }

  /** Gives a secret a new value, as a rotation does; its name and tags stay. */
  async rotate(arn: string, value: string): Promise<void> {
    await this.#update((secrets) => {
      const secret = storedSecret(arn, secrets[arn])
      if (secret === undefined) throw new Error(`no secret ${arn} in ${this.#path}`)
      secrets[arn] = { ...secret, value }
    })
  }

  /** Throws what every read would, when the file cannot be used: `npm start` asks at once. */
  async check(): Promise<void> {
    await this.#load()
  }

  /**
   * The file's secrets. One that cannot be read, or is no JSON object (emptied, cut short,
   * edited), is refused by name: a bare "Unexpected end of JSON input" or "EISDIR: illegal
   * operation on a directory, read" named no file, and an array took a new secret and wrote
   * back `[]` without it. The reason quotes nothing of the file (it holds secrets).
   */
  async #load(): Promise<SecretsFile> {
    const refused = (reason: string, cause?: unknown) =>
      new Error(
        `the secrets file ${this.#path} cannot be used (${reason}): put back a saved copy, or remove it and give each agent registered with an inline secret its secret again (PUT /admin/agents/{id})`,
        { cause },
      )
    const secrets = await readJsonFile(this.#path, refused)
    if (secrets === undefined) return {}
    if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) {
      const kind =
        secrets === null ? 'null' : Array.isArray(secrets) ? 'an array' : `a ${typeof secrets}`
      throw refused(`it holds ${kind}, not a JSON object of secrets`)
    }
    // Each entry too (edited by hand): a bad one made a read a bare TypeError, or no secret at all.
    for (const [arn, entry] of Object.entries(secrets)) {
      if (!storedEntry.safeParse(entry).success) {
        throw refused(
          `its entry for ${arn} is neither a secret's value nor its name, tags and value`,
        )
      }
    }
    return secrets as SecretsFile
  }
}
