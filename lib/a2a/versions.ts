import { asJsonObject, withoutUndefined } from '../json-object.ts'
import type { AgentCardJson } from './agent-card.ts'

/**
 * A2A's two versions, 0.3 and 1.0, as the gateway names them: which one a call asks for, how each
 * spells its values (`Dialect`), and what every call may need of them at once: a card in either
 * version's shape, the task a 0.3 push config's name holds. Translating a call's params and
 * answers between them is `version-values.ts`, loaded with the first call that needs it: most
 * calls reach an agent of their own version, and its tables name every translator.
 */
export type ProtocolVersion = '1.0' | '0.3'
/** How a version's values are spelled: 1.0 (either binding), 0.3 JSON-RPC, 0.3 HTTP+JSON. */
export type Dialect = '1.0' | '0.3-jsonrpc' | '0.3-rest'

export const dialectOf = (version: ProtocolVersion, binding: 'JSONRPC' | 'HTTP+JSON'): Dialect =>
  version === '1.0' ? '1.0' : binding === 'JSONRPC' ? '0.3-jsonrpc' : '0.3-rest'

/**
 * A request or answer value that cannot be carried to the other version:
 * `kind` says how a request that carries one is refused.
 */
export class VersionTranslationError extends Error {
  readonly kind: 'invalid-params' | 'unsupported-operation'
  constructor(message: string, kind: VersionTranslationError['kind'] = 'invalid-params') {
    super(message)
    this.name = 'VersionTranslationError'
    this.kind = kind
  }
}

/** The `A2A-Version` header among request headers, whatever their case. */
export const a2aVersionOf = (headers: Record<string, string | undefined> | null) =>
  Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'a2a-version')?.[1]

/**
 * The version an `A2A-Version` header asks for: `0.3` for any 0.x, `1.0` for
 * any 1.x; undefined when it names neither (or is absent).
 */
export const requestedVersion = (header: string | undefined): ProtocolVersion | undefined => {
  const major = header?.trim().split('.')[0]
  return major === '0' ? '0.3' : major === '1' ? '1.0' : undefined
}

type Json = Record<string, unknown>

/** The task a 0.3 push config's resource name (`tasks/{id}/pushNotificationConfigs/{config}`) names, not decoded. */
export const taskOfConfigName = (name: string): string | undefined =>
  /^tasks\/([^/]+)/.exec(name)?.[1]

// --- cards -----------------------------------------------------------------

/** The fields only a 0.3 card has, and those only a 1.0 card has. */
const legacyCardFields = [
  'url',
  'preferredTransport',
  'additionalInterfaces',
  'protocolVersion',
  'security',
  'supportsAuthenticatedExtendedCard',
]
const currentCardFields = ['supportedInterfaces', 'securityRequirements']

const omit = (value: Json, names: string[]) =>
  Object.fromEntries(Object.entries(value).filter(([name]) => !names.includes(name)))

/**
 * A card in the other version's shape: interfaces, security and the extended
 * card flag move to where that version keeps them; the rest (name, skills,
 * capabilities) is the same in both. Interface URLs and security are the
 * gateway's to fill (`rewriteCard`), so they are carried only roughly here.
 *
 * @example
 * cardToVersion({ name: 'Weather', protocolVersion: '0.3.0', url: 'https://a', ... }, '1.0')
 */
export const cardToVersion = (card: unknown, version: ProtocolVersion): AgentCardJson =>
  cardFields(asJsonObject(card), version) as AgentCardJson

const cardFields = (c: Json, version: ProtocolVersion): Json => {
  const capabilities = asJsonObject(c.capabilities)
  const isCurrent = Array.isArray(c.supportedInterfaces)
  if (version === '1.0') {
    if (isCurrent) return c
    const interfaces = [
      { url: c.url, protocolBinding: c.preferredTransport ?? 'JSONRPC' },
      ...(Array.isArray(c.additionalInterfaces) ? c.additionalInterfaces : []).map((entry) => ({
        url: asJsonObject(entry).url,
        protocolBinding: asJsonObject(entry).transport,
      })),
    ]
    return {
      ...omit(c, legacyCardFields),
      supportedInterfaces: interfaces.map((entry) => ({ ...entry, protocolVersion: '1.0' })),
      capabilities: withoutUndefined({
        ...capabilities,
        extendedAgentCard: c.supportsAuthenticatedExtendedCard === true ? true : undefined,
      }),
    }
  }
  if (!isCurrent) return c
  const interfaces = (c.supportedInterfaces as unknown[]).map(asJsonObject)
  const first = interfaces[0] ?? {}
  const { extendedAgentCard, ...legacyCapabilities } = capabilities
  return withoutUndefined({
    ...omit(c, [...currentCardFields, 'securitySchemes', 'signatures']),
    protocolVersion: '0.3.0',
    url: first.url,
    preferredTransport: first.protocolBinding,
    additionalInterfaces: interfaces.map((entry) => ({
      url: entry.url,
      transport: entry.protocolBinding,
    })),
    capabilities: legacyCapabilities,
    supportsAuthenticatedExtendedCard: extendedAgentCard === true ? true : undefined,
    skills: Array.isArray(c.skills)
      ? c.skills.map((skill) => omit(asJsonObject(skill), ['securityRequirements']))
      : c.skills,
  })
}
