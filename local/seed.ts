import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'
import * as z from 'zod'
import { FileCallerRegistry } from '../lib/callers/file-caller-registry.ts'
import { scopeSchema } from '../lib/ids.ts'
import { permissionSchema } from '../lib/permissions/permission.ts'
import { newPermissionVersion } from '../lib/permissions/permission-etag.ts'
import { tableName, tables } from '../lib/tables.ts'
import { localClientSchema } from './identity.ts'
import seedJson from './seed.json' with { type: 'json' }
import { localPersonSchema } from './sign-in.ts'

export const seedSchema = z
  .object({
    /** The local identity's scopes on a fresh state folder (the admin API's afterwards). */
    scopes: z.array(z.object({ scope: scopeSchema, description: z.string().min(1) })),
    clients: z.array(localClientSchema),
    permissions: z.array(permissionSchema),
    /** LOCAL ONLY: people who sign in to the console (local/sign-in.ts). */
    people: z.array(localPersonSchema).default([]),
  })
  .superRefine((value, context) => {
    const defined = new Set(value.scopes.map(({ scope }) => scope))
    const used = [
      ...value.clients.flatMap((client) => client.scopes),
      ...value.permissions.map((permission) => permission.scope),
    ]
    for (const scope of new Set(used.filter((scope) => !defined.has(scope)))) {
      context.addIssue({ code: 'custom', message: `scope '${scope}' is used but not in scopes` })
    }
  })

export const seed = seedSchema.parse(seedJson)

/**
 * Writes the seed's scopes and clients into the local identity's file when the
 * state folder has none yet (a fresh one); afterwards the admin API's file is
 * the truth, and a restart leaves it as it is.
 */
export const seedIdentity = (identityFile: string): Promise<boolean> =>
  new FileCallerRegistry(identityFile).seedIfAbsent(seed)

/**
 * Writes the seed permissions that are not there yet (a fresh state folder's); others are kept.
 * Each with a `version`, as every write of a permission stores (its ETag's): without one its tag
 * is its content, and its conditional write pinned only as far as an older release's is.
 */
export const seedPermissions = async (client: DynamoDBDocumentClient, tablePrefix: string) => {
  for (const permission of seed.permissions) {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName('permissions', tablePrefix),
          Item: { ...permission, version: newPermissionVersion() },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': tables.permissions.partitionKey },
        }),
      )
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
    }
  }
}

/** A seeded client's credentials, as local/seed.json has them (the state folder keeps hashes). */
export const clientCredentials = (clientId: string) => {
  const client = seed.clients.find((candidate) => candidate.clientId === clientId)
  if (!client) throw new Error(`no client '${clientId}' in local/seed.json`)
  return client
}
