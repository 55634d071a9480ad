import { type Binding, bindings, parseAgentCard } from '../a2a/agent-card.ts'
import { InvalidAgentCardError, UnsupportedBackendAuthError } from '../errors.ts'
import { type AgentConfig, agentConfigSchema } from './agent-config.ts'
import type { AgentRecord } from './agent-record.ts'
import type { AgentRegistry } from './agent-registry.ts'
import { type BackendAddressPolicy, checkBackendUrl } from './backend-address.ts'

export interface RegisterAgentDeps {
  registry: Pick<AgentRegistry, 'create'>
  fetchCard: (cardUrl: string) => Promise<unknown>
  /** Which backend addresses may be registered. */
  addressPolicy: BackendAddressPolicy
  now?: () => Date
}

/**
 * Where the gateway sends each binding. A card may advertise public URLs the
 * gateway must not use; interfaces on the backend's own origin are taken as
 * they are, otherwise `backendUrl` serves the card's first binding.
 */
export const resolveEndpoints = (
  interfaces: Partial<Record<Binding, string>>,
  backendUrl: string,
): Partial<Record<Binding, string>> => {
  const origin = new URL(backendUrl).origin
  const sameOrigin = bindings.filter((binding) => {
    const url = interfaces[binding]
    return url !== undefined && new URL(url).origin === origin
  })
  if (sameOrigin.length > 0) {
    return Object.fromEntries(sameOrigin.map((binding) => [binding, interfaces[binding]]))
  }
  const first = bindings.find((binding) => interfaces[binding] !== undefined)
  return first ? { [first]: backendUrl } : {}
}

/**
 * Registers an agent: validates its config, fetches and validates its card, and
 * stores the record. Nothing is stored unless every step succeeded.
 *
 * @example
 * const record = await registerAgent(body, { registry, fetchCard, mode: 'aws' })
 */
export const registerAgent = async (
  input: unknown,
  deps: RegisterAgentDeps,
): Promise<AgentRecord> => {
  const config: AgentConfig = agentConfigSchema.parse(input)
  await checkBackendUrl('backendUrl', config.backendUrl, deps.addressPolicy)
  await checkBackendUrl('agentCardUrl', config.agentCardUrl, deps.addressPolicy)
  if (config.auth.type !== 'none') throw new UnsupportedBackendAuthError(config.auth.type)

  const parsed = parseAgentCard(await deps.fetchCard(config.agentCardUrl))
  if ('problems' in parsed) throw new InvalidAgentCardError(config.agentCardUrl, parsed.problems)

  const now = (deps.now ?? (() => new Date()))().toISOString()
  const record: AgentRecord = {
    agentId: config.agentId,
    backendUrl: config.backendUrl,
    agentCardUrl: config.agentCardUrl,
    auth: { type: config.auth.type },
    status: config.status,
    card: parsed.card,
    protocolVersion: parsed.protocolVersion,
    endpoints: resolveEndpoints(parsed.interfaces, config.backendUrl),
    createdAt: now,
    updatedAt: now,
  }
  await deps.registry.create(record)
  return record
}
