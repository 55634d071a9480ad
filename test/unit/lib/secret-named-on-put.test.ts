import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import type { AgentRegistry } from '../../../lib/registry/agent-registry.ts'
import { parseCidrs } from '../../../lib/registry/backend-address.ts'
import {
  type AgentAdminDeps,
  registerAgent,
  replaceAgent,
} from '../../../lib/registry/register-agent.ts'
import { FileSecretStore } from '../../../lib/secrets/file-secret-store.ts'
import { validCard } from '../../support/card-server.ts'

// Red team: rule 3 (docs/architecture.md) lets an agent name by ARN a secret named below
// `switchboard/agents/<agentId>/`, which is how the gateway names the secret it stores for an
// inline key. A PUT that keeps the agent's key by naming that secret's ARN (the record's
// `secretArn`, shown by GET /admin/agents/{id}) passes the ownership check, is recorded as the
// operator's secret (`secretOwned: false`) and, in the same PUT, deleted as the secret it
// replaced (`replaceAgent` retires `ownedSecret(before.auth)` whatever the new record names).

/** The registry as a map, with the conditional writes the DynamoDB one makes. */
const memoryRegistry = (): AgentRegistry => {
  const records = new Map<string, AgentRecord>()
  return {
    get: async (agentId) => records.get(agentId),
    list: async () => [...records.values()],
    create: async (record) => {
      if (records.has(record.agentId)) throw new Error(`${record.agentId} exists`)
      records.set(record.agentId, record)
    },
    replace: async (record, read) => {
      if (records.get(record.agentId)?.updatedAt !== read.updatedAt) throw new Error('changed')
      records.set(record.agentId, record)
    },
    delete: async (agentId) => void records.delete(agentId),
    annotate: async (record, fields) => {
      const stored = records.get(record.agentId)
      if (stored?.updatedAt !== record.updatedAt) return false
      records.set(record.agentId, { ...stored, ...fields })
      return true
    },
  }
}

const backendUrl = 'http://127.0.0.1:9'
const secretArnOf = (record: AgentRecord | undefined) =>
  (record?.auth as { secretArn: string } | undefined)?.secretArn as string

describe("a PUT that names the agent's own stored secret by ARN", () => {
  let dir: string
  let secrets: FileSecretStore
  let deps: AgentAdminDeps
  let clock = 0
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secret-named-on-put-'))
    secrets = new FileSecretStore(join(dir, 'secrets.json'))
    deps = {
      registry: memoryRegistry(),
      secrets,
      fetchCard: async () => validCard(backendUrl),
      fetchKeys: async () => ({ keys: [] }),
      addressPolicy: { mode: 'local', allowed: parseCidrs(['127.0.0.0/8']) },
      // Each change a millisecond later, so every write has its own updatedAt.
      now: () => new Date(Date.UTC(2026, 0, 1) + ++clock),
    }
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('keeps the key the agent is called with: the secret is still there, and still read', async () => {
    // Prepare: registered with an inline key, which the gateway stores for the agent.
    const { after: registered } = await registerAgent(
      {
        agentId: 'billing',
        backendUrl,
        agentCardUrl: `${backendUrl}/.well-known/agent-card.json`,
        auth: { type: 'api_key', headerName: 'X-API-Key', apiKey: 'k-123' },
      },
      deps,
    )
    const stored = secretArnOf(registered)

    // Act: a PUT changing the timeout, keeping the key by naming its secret.
    const { after: replaced } = await replaceAgent(
      'billing',
      {
        backendUrl,
        agentCardUrl: `${backendUrl}/.well-known/agent-card.json`,
        auth: { type: 'api_key', headerName: 'X-API-Key', apiKeyArn: stored },
        timeoutMs: 20_000,
      },
      deps,
    )

    // Assess
    expect(secretArnOf(replaced)).toBe(stored)
    expect(await secrets.has(stored)).toBe(true)
    await expect(secrets.read(stored)).resolves.toBe('k-123')
  })
})
