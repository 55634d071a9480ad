import { SkillNotFoundError } from '../errors.ts'
import type { AgentRecord } from '../registry/agent-record.ts'

// Apart from the skill call itself (lib/backend/call-skill.ts), which is loaded on a skill call's
// first need of it: this check runs before the call counts, for every call naming a skill.

/**
 * Refuses a skill call the agent cannot take, before anything counts it as a call to the agent:
 * a method that is none of its skills, or any for an agent that does not speak A2A 1.0.
 */
export const assertSkillOf = (record: AgentRecord, skillId: string): void => {
  const skills = record.card.skills.map((skill) => skill.id)
  if (skills.includes(skillId) && record.protocolVersion === '1.0') return
  const known = skills.length > 0 ? ` Its skills: ${skills.join(', ')}.` : ''
  throw new SkillNotFoundError(
    `'${skillId}' is neither an A2A method nor a skill of agent '${record.agentId}'.${known}`,
  )
}
