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
 * name and the first sentence of its description. A phrase alone is short and
 * often ambiguous ("can you retry it?"), and a short text's vector lands near
 * other short texts of any agent: on the dev set, bare phrases from half the
 * queries raised wrong routes on the other half (7 → 19 %). The whole
 * description drowns the phrase instead (an operator's exact phrase scored 0.11,
 * under the threshold); its first sentence keeps the phrase's domain and lets
 * the phrase lead (0.46). `npm run bench:discovery` prints the gain.
 *
 * @example
 * routingExampleText('umbrella today?', card) // 'umbrella today?\nWeather\nForecasts for any city.'
 */
export const routingExampleText = (
  example: string,
  card: Pick<AgentCardJson, 'name' | 'description'>,
): string =>
  [example, card.name, card.description?.split(/(?<=[.!?])\s/)[0]]
    .filter((part) => part?.trim())
    .join('\n')
