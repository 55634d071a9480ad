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
