import * as z from 'zod'
import type { AgentCardJson } from '../a2a/agent-card.ts'
import type { OperationName } from '../a2a/operations.ts'
import { type Grants, mayInvoke } from '../auth/grants.ts'
import { type Embedder, embedQuery } from './embedder.ts'
import { leadOf, type RouteThreshold, wouldRoute } from './route-threshold.ts'
import { closestActive, type VectorIndex, type VectorMatch } from './vector-index.ts'

/** What `/route` needs of a SendMessage's params: a message whose parts are objects. */
const routedParamsSchema = z.object({
  message: z.object({ parts: z.array(z.looseObject({ text: z.unknown().optional() })) }),
})

/**
 * The text of an A2A 1.0 SendMessage's message, for choosing where it goes, or
 * what is wrong with the params when there is none to choose by.
 *
 * @example
 * messageText({ message: { parts: [{ text: 'rain in Oslo?' }] } }) // { text: 'rain in Oslo?' }
 */
export const messageText = (params: unknown): { text: string } | { invalid: string } => {
  const parsed = routedParamsSchema.safeParse(params ?? {})
  if (!parsed.success) {
    return {
      invalid: parsed.error.issues
        .map((issue) => `${['params', ...issue.path].join('.')}: ${issue.message}`)
        .join('; '),
    }
  }
  const text = parsed.data.message.parts
    .flatMap((part) =>
      typeof part.text === 'string' && part.text.trim() ? [part.text.trim()] : [],
    )
    .join(' ')
  return text
    ? { text }
    : { invalid: 'The message has no text part; the router chooses an agent by its text.' }
}

export type RouteChoice =
  | { chosen: VectorMatch; candidates: VectorMatch[] }
  | { chosen: undefined; candidates: VectorMatch[]; threshold?: RouteThreshold }

/** How many candidates a refusal lists. */
const candidateCount = 3

/**
 * Picks the caller's best agent for a message: among the active agents it may
 * send this operation to, the closest by meaning, if it scores at least the
 * threshold's `minScore` and leads the next by its `minMargin`. Otherwise
 * nothing is chosen and the candidates say what came nearest.
 * `isActive` asks the registry, not the index: a vector the index failed to
 * drop when its agent was deactivated must not be chosen, nor hide the best
 * agent's rival (the index is asked again without it). A long message is
 * chosen for by its first `maxQueryCharacters` (`embedQuery`), as long as a
 * search's query may be; the message goes on whole.
 */
export const chooseAgent = async (
  text: string,
  caller: { grants: Grants; operation: OperationName },
  deps: {
    embedder: Embedder
    index: VectorIndex
    threshold: RouteThreshold
    isActive: (agentId: string) => Promise<boolean>
    /** Told of the agents whose vectors the index holds though they are not active. */
    onStaleVectors?: (agentIds: string[]) => void
  },
): Promise<RouteChoice> => {
  const agentIds = Object.keys(caller.grants).filter((agentId) =>
    mayInvoke(caller.grants, agentId, caller.operation),
  )
  if (agentIds.length === 0 || text === '') return { chosen: undefined, candidates: [] }
  const vector = await embedQuery(deps.embedder, text)
  const topK = candidateCount * 2
  // A full answer of stale vectors may hide the best one's rival, and with it the lead: while
  // it might, after `maxIndexQueries` answers, nothing is routed rather than a guess.
  const stale: string[] = []
  const { found, settled } = await closestActive(
    deps.index,
    vector,
    { topK, agentIds },
    async (match) => {
      if (await deps.isActive(match.key)) return match
      stale.push(match.key)
      return undefined
    },
    (active) => active.length >= 2,
  )
  if (stale.length > 0) deps.onStaleVectors?.(stale)
  const candidates = found.slice(0, candidateCount)
  const [best, next] = candidates
  return best &&
    settled &&
    wouldRoute(deps.threshold, { score: best.score, margin: leadOf(best.score, next?.score) })
    ? { chosen: best, candidates }
    : { chosen: undefined, candidates, threshold: deps.threshold }
}

/** The router's own card, so any A2A client can use it as an agent. */
export const routerCard: AgentCardJson = {
  name: 'Switchboard router',
  description:
    'Sends your message to the best-matching agent you may use, chosen by meaning; the chosen agent is named in the X-Switchboard-Agent response header.',
  version: '1.0.0',
  supportedInterfaces: [
    { url: 'https://placeholder.invalid', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
  ],
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain', 'application/json'],
  skills: [
    {
      id: 'route',
      name: 'Route to the right agent',
      description: 'Describe what you need in plain language; the gateway picks the agent.',
      tags: ['routing', 'discovery'],
      examples: ['What is the weather in Seoul in July?', 'What is 17% of 2,340?'],
    },
  ],
}
