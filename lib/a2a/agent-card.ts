import * as z from 'zod'
import { nestsDeeperThan } from '../json-depth.ts'

/**
 * The parts of an agent card the gateway relies on, in both protocol versions.
 * Everything else in a card is kept as the agent wrote it.
 */
const skillSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  description: z.string(),
  tags: z.array(z.string()).optional(),
  examples: z.array(z.string()).optional(),
})

const interfaceSchema = z.looseObject({
  url: z.url(),
  protocolBinding: z.string().min(1),
  protocolVersion: z.string().min(1),
})

const commonCard = {
  name: z.string().min(1),
  description: z.string().min(1),
  version: z.string().min(1),
  skills: z.array(skillSchema),
}

export const agentCardV1Schema = z.looseObject({
  ...commonCard,
  supportedInterfaces: z.array(interfaceSchema).min(1),
})

export const agentCardV03Schema = z.looseObject({
  ...commonCard,
  url: z.url(),
  protocolVersion: z.string().regex(/^0\.3(\.\d+)?$/, 'must be 0.3.x'),
  preferredTransport: z.string().optional(),
  additionalInterfaces: z
    .array(z.looseObject({ url: z.url(), transport: z.string().min(1) }))
    .optional(),
})

export type AgentCardV1 = z.infer<typeof agentCardV1Schema>
export type AgentCardV03 = z.infer<typeof agentCardV03Schema>
export type AgentCardJson = AgentCardV1 | AgentCardV03

export type Binding = 'JSONRPC' | 'HTTP+JSON'
export const bindings: readonly Binding[] = ['JSONRPC', 'HTTP+JSON']

export interface ParsedCard {
  card: AgentCardJson
  protocolVersion: '1.0' | '0.3'
  /** Where the agent serves each binding it declares. */
  interfaces: Partial<Record<Binding, string>>
}

const isBinding = (value: string): value is Binding => (bindings as string[]).includes(value)

const describeIssues = (error: z.ZodError): string[] =>
  error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')} ${issue.message}` : issue.message,
  )

/**
 * How deep a card may nest: DynamoDB keeps 32 levels in an item, and the card
 * is one level down on the agent's record.
 */
export const maxCardDepth = 31

/**
 * Validates a card as A2A 1.0, or as 0.3 when it says so, and reads its interfaces.
 * Returns the problems found when it is neither, or when it nests too deep to keep.
 */
export const parseAgentCard = (json: unknown): ParsedCard | { problems: string[] } => {
  if (nestsDeeperThan(json, maxCardDepth)) {
    return { problems: [`the card nests deeper than ${maxCardDepth} levels`] }
  }
  const v03 =
    typeof json === 'object' &&
    json !== null &&
    'protocolVersion' in json &&
    !('supportedInterfaces' in json)
  if (v03) {
    const result = agentCardV03Schema.safeParse(json)
    if (!result.success) return { problems: describeIssues(result.error) }
    const card = result.data
    const interfaces: Partial<Record<Binding, string>> = {}
    const preferred = card.preferredTransport ?? 'JSONRPC'
    if (isBinding(preferred)) interfaces[preferred] = card.url
    for (const extra of card.additionalInterfaces ?? []) {
      if (isBinding(extra.transport)) interfaces[extra.transport] ??= extra.url
    }
    return { card, protocolVersion: '0.3', interfaces }
  }
  const result = agentCardV1Schema.safeParse(json)
  if (!result.success) return { problems: describeIssues(result.error) }
  const card = result.data
  const interfaces: Partial<Record<Binding, string>> = {}
  for (const entry of card.supportedInterfaces) {
    if (entry.protocolVersion.startsWith('1.') && isBinding(entry.protocolBinding)) {
      interfaces[entry.protocolBinding] ??= entry.url
    }
  }
  if (Object.keys(interfaces).length === 0) {
    return { problems: ['supportedInterfaces has no A2A 1.x JSONRPC or HTTP+JSON interface'] }
  }
  return { card, protocolVersion: '1.0', interfaces }
}
