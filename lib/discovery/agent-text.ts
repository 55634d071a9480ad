import type { AgentCardJson } from '../a2a/agent-card.ts'

/**
 * The text an agent is found by: its name and description, then each skill's
 * name, description, tags and examples. Examples are how people actually ask,
 * so they count as much as the descriptions.
 */
export const agentText = (card: Pick<AgentCardJson, 'name' | 'description' | 'skills'>): string =>
  [
    card.name,
    card.description,
    ...card.skills.flatMap((skill) => [
      skill.name,
      skill.description,
      (skill.tags ?? []).join(', '),
      ...(skill.examples ?? []),
    ]),
  ]
    .filter((part) => part && part.trim() !== '')
    .join('\n')

/**
 * The text a routing example is embedded from: the phrase, then the agent's
 * name and description. A phrase alone is short and often ambiguous ("can you
 * retry it?"), and a short text's vector lands near other short texts of any
 * agent: on the dev set, bare phrases from half the queries raised wrong routes
 * on the other half more than right ones. Said in the agent's words, the
 * phrase keeps its domain (see `npm run bench:discovery`).
 *
 * @example
 * routingExampleText('umbrella today?', card) // 'umbrella today?\nWeather\nForecasts ...'
 */
export const routingExampleText = (
  example: string,
  card: Pick<AgentCardJson, 'name' | 'description'>,
): string => [example, card.name, card.description].filter((part) => part?.trim()).join('\n')
