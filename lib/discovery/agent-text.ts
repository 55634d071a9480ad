import type { AgentCardJson } from '../a2a/agent-card.ts'
import { leadingCharacters } from './embedder.ts'

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
 * The most of the description's first sentence a routing example carries, in characters: a
 * long sentence's worth (the dev set's longest is 226, kept whole). A description that never
 * ends a sentence (its agent writes it) was taken whole and drowned the phrase: an operator's
 * exact phrase scored 0.09 against its own vector.
 */
export const descriptionLeadCharacters = 300

/** The description's first sentence, at most `descriptionLeadCharacters`, cut on a whole word. */
const leadOf = (description: string | undefined): string | undefined => {
  const sentence = description?.split(/(?<=[.!?])\s/)[0]
  if (sentence === undefined || sentence.length <= descriptionLeadCharacters) return sentence
  const cut = sentence.slice(0, descriptionLeadCharacters + 1)
  const lastSpace = cut.search(/\s\S*$/)
  return (
    // With no space, never on half a surrogate pair: no Unicode text, which an embedding server
    // encoding it as UTF-8 may refuse, and the agent would go unindexed.
    (
      lastSpace > 0 ? cut.slice(0, lastSpace) : leadingCharacters(cut, descriptionLeadCharacters)
    ).trimEnd()
  )
}

/**
 * The text a routing example is embedded from: the phrase, then the agent's name and the first
 * sentence of its description (at most `descriptionLeadCharacters`). A phrase alone is short
 * and often ambiguous ("can you retry it?"), and a short text's vector lands near other short
 * texts of any agent: on the dev set, bare phrases from half the queries raised wrong routes on
 * the other half (7 → 19 %). The whole description drowns the phrase instead (an operator's
 * exact phrase scored 0.11, under the threshold); its first sentence keeps the phrase's domain
 * and lets the phrase lead (0.46). `npm run bench:discovery` prints the gain.
 *
 * @example
 * routingExampleText('umbrella today?', card) // 'umbrella today?\nWeather\nForecasts for any city.'
 */
export const routingExampleText = (
  example: string,
  card: Pick<AgentCardJson, 'name' | 'description'>,
): string =>
  [example, card.name, leadOf(card.description)].filter((part) => part?.trim()).join('\n')
