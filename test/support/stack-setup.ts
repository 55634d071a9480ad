import { expect } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import type { Permission } from '../../lib/permissions/permission.ts'
import { DynamoPermissionStore } from '../../lib/permissions/permission-store.ts'
import { tableName } from '../../lib/tables.ts'
import type { RunningStack } from '../../local/stack.ts'
import { jsonRpc, textMessageParams } from './a2a-client.ts'

/** Registers agents through the admin API, as an operator would; each must succeed. */
export const registerAgents = async (
  stack: RunningStack,
  agents: { agentId: string; backendUrl: string; agentCardUrl: string; [field: string]: unknown }[],
) => {
  const admin = await stack.token('admin-client')
  const records = []
  for (const agent of agents) {
    const response = await fetch(`${stack.url}/admin/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(agent),
    })
    expect(response.status, `registering ${agent.agentId}`).toBe(201)
    records.push(await response.json())
  }
  return records
}

/** Writes a permission straight to the permissions table of the stack this process started. */
export const putPermission = async (permission: Permission) => {
  const permissions = new DynamoPermissionStore(
    createDocumentClient({ region: 'us-east-1', dynamoDbEndpoint: process.env.DYNAMODB_ENDPOINT }),
    tableName('permissions', process.env.TABLE_PREFIX as string),
  )
  await permissions.put(permission)
}

/**
 * Lets demo-client call these agents too (its `calculator:invoke` scope grows),
 * with a limit or reading every caller's tasks if asked.
 */
export const grantToDemoClient = async (
  agentIds: string[],
  extra: Pick<Permission, 'requestsPerMinute' | 'taskAccess'> = {},
) => putPermission({ scope: 'calculator:invoke', agents: ['calculator', ...agentIds], ...extra })

/**
 * Registers an agent both sample callers may call, demo-client (caller A) and weather-client
 * (caller B), and has A start a task on it, which the agent must answer as `taskOfA`: on record
 * as A's, for a test of whether B can reach it. Returns both callers' tokens.
 */
export const agentWithTaskOfA = async (
  stack: RunningStack,
  agent: { agentId: string; backendUrl: string; agentCardUrl: string },
  taskOfA: string,
) => {
  await registerAgents(stack, [agent])
  await putPermission({ scope: 'calculator:invoke', agents: ['calculator', agent.agentId] })
  await putPermission({ scope: 'weather:invoke', agents: ['weather', agent.agentId] })
  const [tokenA, tokenB] = await Promise.all([
    stack.token('demo-client'),
    stack.token('weather-client'),
  ])
  const sent = await fetch(`${stack.url}/agents/${agent.agentId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
    body: JSON.stringify(jsonRpc('SendMessage', textMessageParams('start my task'))),
  })
  expect((await sent.json()).result?.task?.id, 'the task caller A started').toBe(taskOfA)
  return { tokenA, tokenB }
}
