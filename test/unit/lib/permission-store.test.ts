import type { BatchGetCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { DynamoPermissionStore } from '../../../lib/permissions/permission-store.ts'

/** A client that records each BatchGetItem it is sent and answers the scopes' permissions. */
const recordingClient = () => {
  const sent: BatchGetCommand['input'][] = []
  return {
    sent,
    send: async (command: BatchGetCommand) => {
      sent.push(command.input)
      const keys = (command.input.RequestItems?.permissions?.Keys ?? []) as { scope: string }[]
      return {
        Responses: { permissions: keys.map(({ scope }) => ({ scope, agents: ['weather'] })) },
      }
    },
  }
}

describe('DynamoPermissionStore.forScopes', () => {
  it('reads strongly consistent, so a grant revoked a moment before grants no token authorized after', async () => {
    // Prepare: the authorizer's read, whose answer API Gateway caches per token (300 s), and the
    // kit's permissionLookup's, which promises a deleted permission stops granting within a
    // second. An eventually consistent read may answer the permission as it was before the change.
    const client = recordingClient()
    const store = new DynamoPermissionStore(client as never, 'permissions')

    // Act
    const found = await store.forScopes(['weather:invoke'])

    // Assess
    expect(found).toEqual([{ scope: 'weather:invoke', agents: ['weather'] }])
    expect(client.sent.map((input) => input.RequestItems?.permissions?.ConsistentRead)).toEqual([
      true,
    ])
  })
})

describe('DynamoPermissionStore: the order of what it reads', () => {
  it('answers the permissions in the order the token names their scopes, whatever order BatchGetItem answers in', async () => {
    // Prepare: DynamoDB answers a BatchGetItem's items in no order, so the authorizer's grants,
    // limits and policy (and `npm run invoke authorizer`'s printout) changed from call to call.
    const scopes = ['weather:invoke', 'calculator:invoke', 'tasks:read', 'audit:read']
    const reversing = {
      send: async (command: BatchGetCommand) => {
        const keys = (command.input.RequestItems?.permissions?.Keys ?? []) as { scope: string }[]
        return {
          Responses: {
            permissions: keys
              .map(({ scope }) => ({ scope, agents: [scope.split(':')[0]] }))
              .reverse(),
          },
        }
      },
    }
    const store = new DynamoPermissionStore(reversing as never, 'permissions')

    // Act
    const forScopes = await store.forScopes(scopes)
    const grantsForScopes = await store.grantsForScopes(scopes)

    // Assess
    expect(forScopes.map(({ scope }) => scope)).toEqual(scopes)
    expect(grantsForScopes.map(({ scope }) => scope)).toEqual(scopes)
  })
})
