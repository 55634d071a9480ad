import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import { permissionSchema } from '../lib/permissions/permission.ts'
import { tableName, tables } from '../lib/tables.ts'
import { localClientSchema } from './identity.ts'
import seedJson from './seed.json' with { type: 'json' }
import { localPersonSchema } from './sign-in.ts'

export const seedSchema = z.object({
  clients: z.array(localClientSchema),
  permissions: z.array(permissionSchema),
  /** LOCAL ONLY: people who sign in to the console (local/sign-in.ts). */
  people: z.array(localPersonSchema).default([]),
})

export const seed = seedSchema.parse(seedJson)

/** Writes the seed permissions that are not there yet; an operator's edits are kept. */
export const seedPermissions = async (client: DynamoDBDocumentClient, tablePrefix: string) => {
  for (const permission of seed.permissions) {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName('permissions', tablePrefix),
          Item: permission,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': tables.permissions.partitionKey },
        }),
      )
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
    }
  }
}

export const clientCredentials = (clientId: string) => {
  const client = seed.clients.find((candidate) => candidate.clientId === clientId)
  if (!client) throw new Error(`no client '${clientId}' in local/seed.json`)
  return client
}
