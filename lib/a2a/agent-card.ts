import * as z from 'zod'
import { nestsDeeperThan } from '../json-depth.ts'
import { emptyKeyAt, firstPathWhere, keyShown, unkeptNumberAt } from '../json-paths.ts'

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

/**
 * The most problems a refused card lists: a card of 80,000 empty skills (240 KB) was refused with
 * 240,000 sentences, twice (detail and problems), 34 MB of 422 answer, past the 6 MB a Lambda may
 * answer, so its operator got API Gateway's 502 and no reason.
 */
export const maxListedCardProblems = 10

/** The first problems, and how many more. */
const listed = (problems: string[]): string[] =>
  problems.length > maxListedCardProblems
    ? [
        ...problems.slice(0, maxListedCardProblems),
        `and ${problems.length - maxListedCardProblems} more problems`,
      ]
    : problems

const describeIssues = (error: z.ZodError): string[] =>
  listed(
    error.issues.map((issue) =>
      issue.path.length > 0
        ? `${issue.path.map(keyShown).join('.')} ${issue.message}`
        : issue.message,
    ),
  )

/**
 * How deep a card may nest: DynamoDB keeps 32 levels in an item, and the card
 * is one level down on the agent's record.
 */
export const maxCardDepth = 31

/**
 * Where a JSON value first holds a string (a value, or a key: then the object holding it) with
 * half a surrogate pair, which JSON's `\ud83c` escape can spell: no Unicode text, RFC 8785 (the
 * card's signing form) says to refuse it, and other languages' JSON readers refuse or replace
 * it. Registered cards and the extended cards an agent answers (signed on every call) alike.
 *
 * @example
 * halfSurrogateAt({ skills: [{ name: 'sun \ud83c' }] }) // 'skills[0].name'
 */
export const halfSurrogateAt = (value: unknown): string | undefined =>
  firstPathWhere(value, (leaf) => typeof leaf === 'string' && !leaf.isWellFormed(), 'the card')

/**
 * The most signatures a card may carry: a key rotation needs two or three. Each names a key set
 * the gateway fetches, all at once, so a 256 KiB card (its agent writes it) could ask for
 * thousands of fetches at every registration or sync (an audit's finding). Here, not beside the
 * verifier, so that a card past it is refused as an invalid card without loading jose.
 */
export const maxCardSignatures = 10

/**
 * Validates a card as A2A 1.0, or as 0.3 when it says so, and reads its interfaces.
 * Returns the problems found when it is neither, when it nests too deep to keep, when it holds
 * a string that is no Unicode text, or a number or an empty key its record could not keep.
 */
export const parseAgentCard = (json: unknown): ParsedCard | { problems: string[] } => {
  if (nestsDeeperThan(json, maxCardDepth)) {
    return { problems: [`the card nests deeper than ${maxCardDepth} levels`] }
  }
  const signatures = (json as { signatures?: unknown } | null)?.signatures
  if (Array.isArray(signatures) && signatures.length > maxCardSignatures) {
    return {
      problems: [
        `signatures holds ${signatures.length} signatures; a card carries at most ${maxCardSignatures} (each names a key set the gateway fetches)`,
      ],
    }
  }
  const halfSurrogate = halfSurrogateAt(json)
  if (halfSurrogate !== undefined) {
    return {
      problems: [
        `${halfSurrogate} holds half a surrogate pair (a lone \\ud800-\\udfff escape): no Unicode text`,
      ],
    }
  }
  const unkept = unkeptNumberAt(json, 'the card')
  if (unkept !== undefined) {
    return {
      problems: [
        `${unkept} holds a number the registry cannot keep: at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1) either way, and none nearer 0 than 1e-130 but 0`,
      ],
    }
  }
  const emptyKey = emptyKeyAt(json, 'the card')
  if (emptyKey !== undefined) {
    return {
      problems: [
        `${emptyKey} holds an empty key, which the registry cannot keep (DynamoDB refuses an empty attribute name)`,
      ],
    }
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
