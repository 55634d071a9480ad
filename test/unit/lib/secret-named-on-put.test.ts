import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import type { AgentRegistry } from '../../../lib/registry/agent-registry.ts'
import { parseCidrs } from '../../../lib/registry/backend-address.ts'
import {
  type AgentAdminDeps,
  deleteAgent,
  patchAgent,
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
    delete: async ({ agentId, createdAt }) => {
      const stored = records.get(agentId)
      if (stored?.status !== 'deleting' || stored.createdAt !== createdAt) return false
      return records.delete(agentId)
    },
    annotate: async (record, fields) => {
      const stored = records.get(record.agentId)
      if (stored?.updatedAt !== record.updatedAt) return false
      records.set(record.agentId, { ...stored, ...fields })
      return true
    },
  }
}

const backendUrl = 'http://127.0.0.1:9'
const agentCardUrl = `${backendUrl}/.well-known/agent-card.json`
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

  /** Registers `agentId` with an inline API key; returns the ARN of the secret stored for it. */
  const registeredWithKey = async (agentId: string, apiKey: string) => {
    const { after } = await registerAgent(
      { agentId, backendUrl, agentCardUrl, auth: { type: 'api_key', apiKey } },
      deps,
    )
    return secretArnOf(after)
  }

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

  it("stays the gateway's: retired by a later PUT with a new key, and deleted then", async () => {
    // Prepare
    const stored = await registeredWithKey('ledger', 'l-1')
    const { after: kept } = await replaceAgent(
      'ledger',
      { backendUrl, agentCardUrl, auth: { type: 'api_key', apiKeyArn: stored } },
      deps,
    )

    // Act
    const { after: rekeyed } = await replaceAgent(
      'ledger',
      { backendUrl, agentCardUrl, auth: { type: 'api_key', apiKey: 'l-2' } },
      deps,
    )

    // Assess
    expect(kept?.auth).toMatchObject({ secretArn: stored, secretOwned: true })
    expect(kept?.retiredSecretArns).toBeUndefined()
    expect(await secrets.has(stored)).toBe(false)
    await expect(secrets.read(secretArnOf(rekeyed))).resolves.toBe('l-2')
  })

  it('is deleted exactly once when the agent is deleted later', async () => {
    // Prepare
    const stored = await registeredWithKey('payroll', 'p-1')
    await replaceAgent(
      'payroll',
      { backendUrl, agentCardUrl, auth: { type: 'api_key', apiKeyArn: stored } },
      deps,
    )
    const deleted = vi.spyOn(secrets, 'delete')

    // Act
    await deleteAgent('payroll', deps)

    // Assess
    expect(deleted.mock.calls).toEqual([[stored]])
    expect(await secrets.has(stored)).toBe(false)
    deleted.mockRestore()
  })

  it("keeps an oauth2_client_credentials agent's client secret named by its ARN", async () => {
    // Prepare
    const oauth = {
      type: 'oauth2_client_credentials',
      tokenUrl: 'http://127.0.0.1:9/oauth2/token',
      clientId: 'gateway',
    }
    const { after: registered } = await registerAgent(
      { agentId: 'orders', backendUrl, agentCardUrl, auth: { ...oauth, clientSecret: 'c-1' } },
      deps,
    )
    const stored = secretArnOf(registered)

    // Act
    const { after: replaced } = await replaceAgent(
      'orders',
      {
        backendUrl,
        agentCardUrl,
        auth: { ...oauth, scopes: ['orders.read'], clientSecretArn: stored },
      },
      deps,
    )

    // Assess
    expect(replaced?.auth).toMatchObject({ secretArn: stored, secretOwned: true })
    await expect(secrets.read(stored)).resolves.toBe('c-1')
  })

  it('is kept when the PUT naming it fails: a failed write deletes only a secret it stored', async () => {
    // Prepare
    const stored = await registeredWithKey('refunds', 'r-1')
    const unreachable = {
      ...deps,
      fetchCard: async () => {
        throw new Error('card unreachable')
      },
    }

    // Act
    const put = replaceAgent(
      'refunds',
      { backendUrl, agentCardUrl, auth: { type: 'api_key', apiKeyArn: stored } },
      unreachable,
    )

    // Assess
    await expect(put).rejects.toThrow('card unreachable')
    await expect(secrets.read(stored)).resolves.toBe('r-1')
  })

  it('is kept when named by a partial ARN (without the six characters Secrets Manager appends)', async () => {
    // Prepare: Secrets Manager takes an ARN without the '-xxxxxx' ending as naming the secret too.
    const stored = await registeredWithKey('invoices', 'i-1')
    const partial = stored.slice(0, -'-abcdef'.length)
    const acceptingPartialArns: AgentAdminDeps = {
      ...deps,
      secrets: {
        create: (...args) => secrets.create(...args),
        delete: (arn) => secrets.delete(arn),
        read: (arn) => secrets.read(arn === partial ? stored : arn),
        describe: (arn) => secrets.describe(arn === partial ? stored : arn),
      },
    }

    // Act
    const { after: replaced } = await replaceAgent(
      'invoices',
      { backendUrl, agentCardUrl, auth: { type: 'api_key', apiKeyArn: partial } },
      acceptingPartialArns,
    )

    // Assess
    expect(replaced?.auth).toMatchObject({ secretArn: stored, secretOwned: true })
    await expect(secrets.read(stored)).resolves.toBe('i-1')
  })

  it('is kept through a PATCH to inactive and back to active', async () => {
    // Prepare
    const stored = await registeredWithKey('shipping', 's-1')
    await replaceAgent(
      'shipping',
      { backendUrl, agentCardUrl, auth: { type: 'api_key', apiKeyArn: stored } },
      deps,
    )

    // Act
    await patchAgent('shipping', { status: 'inactive' }, deps)
    const { after: active } = await patchAgent('shipping', { status: 'active' }, deps)

    // Assess
    expect(active?.auth).toMatchObject({ secretArn: stored, secretOwned: true })
    await expect(secrets.read(stored)).resolves.toBe('s-1')
  })

  it("is not the gateway's when merely named below the agent's prefix: the operator made it", async () => {
    // Prepare: the operator's own secret, named as rule 3 allows.
    await registeredWithKey('tax', 't-1')
    const operators = await secrets.create('switchboard/agents/tax/ops-key', 't-ops')

    // Act
    const { after: replaced } = await replaceAgent(
      'tax',
      { backendUrl, agentCardUrl, auth: { type: 'api_key', apiKeyArn: operators } },
      deps,
    )
    await deleteAgent('tax', deps)

    // Assess
    expect(replaced?.auth).toMatchObject({ secretArn: operators, secretOwned: false })
    await expect(secrets.read(operators)).resolves.toBe('t-ops')
  })
})
