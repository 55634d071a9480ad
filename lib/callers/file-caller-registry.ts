import { randomBytes } from 'node:crypto'
import * as z from 'zod'
import { createWhole, jsonFileUpdates, readJsonFile } from '../json-file.ts'
import {
  type CallerClient,
  type CallerRegistry,
  type ClientPage,
  type ClientPageQuery,
  type IssuedSecret,
  type ScopeDefinition,
  withScope,
} from './caller-registry.ts'
import { hashSecret, newClientSecret, secretMatches } from './secret-hash.ts'

const storedClientSchema = z.object({
  clientId: z.string().min(1),
  name: z.string().min(1),
  scopes: z.array(z.string().min(1)),
  /** scrypt hashes (secret-hash.ts) of the secrets that get tokens: one, as after a rotation. */
  secretHashes: z.array(z.string().min(1)),
})

const identityFileSchema = z.object({
  scopes: z.array(z.object({ scope: z.string().min(1), description: z.string() })),
  clients: z.array(storedClientSchema),
})

export type IdentityFile = z.infer<typeof identityFileSchema>

/** What a fresh state folder starts with: scopes, and clients with their secrets in clear. */
export interface IdentitySeed {
  scopes: ScopeDefinition[]
  clients: { clientId: string; name?: string; clientSecret: string; scopes: string[] }[]
}

const publicClient = ({ clientId, name, scopes }: IdentityFile['clients'][number]) => ({
  clientId,
  name,
  scopes: [...scopes],
})

/** A client id shaped like Cognito's: 26 lowercase letters and digits. */
const newClientId = () =>
  [...randomBytes(26)].map((byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36]).join('')

/** The identity file as written: indented, for a person reading it. */
const identityText = (file: IdentityFile) => JSON.stringify(file, null, 2)

/**
 * The local identity's scopes and clients in one JSON file under the state
 * folder (mode 600), for the laptop runtime: secrets only as scrypt hashes;
 * every change written whole to a temporary file and renamed over the old one,
 * so a reader (the token endpoint) never sees half a change and a failed write
 * leaves the previous file.
 */
export class FileCallerRegistry implements CallerRegistry {
  readonly #path: string
  /** One change at a time: read, change, written whole (a temporary file renamed over). */
  readonly #update: <T>(change: (file: IdentityFile) => T) => Promise<T>

  constructor(path: string) {
    this.#path = path
    this.#update = jsonFileUpdates(path, () => this.#load(), identityText)
  }

  /**
   * Writes the seed's scopes and clients if the file does not exist yet (a
   * fresh state folder); an existing file, the admin API's, is left alone.
   * Returns whether it seeded.
   */
  async seedIfAbsent(seed: IdentitySeed): Promise<boolean> {
    const file: IdentityFile = {
      scopes: seed.scopes.map(({ scope, description }) => ({ scope, description })),
      clients: await Promise.all(
        seed.clients.map(async (client) => ({
          clientId: client.clientId,
          name: client.name ?? client.clientId,
          scopes: client.scopes,
          secretHashes: [await hashSecret(client.clientSecret)],
        })),
      ),
    }
    return createWhole(this.#path, identityText(file))
  }

  /** The client these credentials belong to, if the secret is one of its own. */
  async verify(clientId: string, clientSecret: string): Promise<CallerClient | undefined> {
    const client = (await this.#load()).clients.find((each) => each.clientId === clientId)
    if (!client) return undefined
    for (const stored of client.secretHashes) {
      if (await secretMatches(clientSecret, stored)) return publicClient(client)
    }
    return undefined
  }

  async listScopes(): Promise<ScopeDefinition[]> {
    return (await this.#load()).scopes
  }

  async putScope(scope: ScopeDefinition): Promise<ScopeDefinition | undefined> {
    return this.#update((file) => {
      const { scopes, before } = withScope(file.scopes, scope)
      file.scopes = scopes
      return before
    })
  }

  async deleteScope(scope: string): Promise<ScopeDefinition | undefined> {
    return this.#update((file) => {
      const before = file.scopes.find((each) => each.scope === scope)
      file.scopes = file.scopes.filter((each) => each.scope !== scope)
      return before
    })
  }

  async listClients(): Promise<CallerClient[]> {
    return (await this.#load()).clients.map(publicClient)
  }

  /** By client id, a page starting after the client id `after` names (which need not still exist). */
  async listClientPage({ limit, after }: ClientPageQuery): Promise<ClientPage> {
    const following = (await this.#load()).clients
      .filter(({ clientId }) => after === undefined || clientId > after)
      .sort((a, b) => (a.clientId < b.clientId ? -1 : 1))
    const clients = following.slice(0, limit).map(publicClient)
    const last = clients.at(-1)
    return following.length > limit && last ? { clients, next: last.clientId } : { clients }
  }

  async getClient(clientId: string): Promise<CallerClient | undefined> {
    const client = (await this.#load()).clients.find((each) => each.clientId === clientId)
    return client && publicClient(client)
  }

  async createClient(client: {
    name: string
    scopes: string[]
  }): Promise<CallerClient & IssuedSecret> {
    const clientSecret = newClientSecret()
    const created = { clientId: newClientId(), name: client.name, scopes: [...client.scopes] }
    const secretHashes = [await hashSecret(clientSecret)]
    await this.#update((file) => {
      file.clients.push({ ...created, secretHashes })
    })
    return { ...created, clientSecret }
  }

  async updateClient(
    clientId: string,
    change: { name?: string | undefined; scopes?: string[] | undefined },
  ): Promise<{ before: CallerClient; after: CallerClient } | undefined> {
    return this.#update((file) => {
      const client = file.clients.find((each) => each.clientId === clientId)
      if (!client) return undefined
      const before = publicClient(client)
      client.name = change.name ?? client.name
      client.scopes = [...(change.scopes ?? client.scopes)]
      return { before, after: publicClient(client) }
    })
  }

  async rotateSecret(clientId: string): Promise<IssuedSecret | undefined> {
    const clientSecret = newClientSecret()
    const hash = await hashSecret(clientSecret)
    return this.#update((file) => {
      const client = file.clients.find((each) => each.clientId === clientId)
      if (!client) return undefined
      client.secretHashes = [hash]
      return { clientId, clientSecret }
    })
  }

  async deleteClient(clientId: string): Promise<CallerClient | undefined> {
    return this.#update((file) => {
      const client = file.clients.find((each) => each.clientId === clientId)
      file.clients = file.clients.filter((each) => each.clientId !== clientId)
      return client && publicClient(client)
    })
  }

  /**
   * The file's scopes and clients. One that is no such file (cut short, edited by hand) is refused
   * by name and with the way out, quoting nothing of it: V8's JSON errors quote the text, here
   * client secrets' hashes.
   */
  async #load(): Promise<IdentityFile> {
    const unusable = (reason: string, cause: unknown) =>
      new Error(
        `the identity file ${this.#path} cannot be used (${reason}): put back a saved copy, or remove it and npm start seeds it again with the demo client (callers onboarded since are gone)`,
        { cause },
      )
    const json = await readJsonFile(this.#path, unusable)
    if (json === undefined) return { scopes: [], clients: [] }
    const identity = identityFileSchema.safeParse(json)
    if (!identity.success) throw unusable('not its scopes and clients', identity.error)
    return identity.data
  }
}
