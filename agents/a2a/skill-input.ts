import type { Message } from '@a2a-js/sdk'
import type * as z from 'zod'
import { dataOf, textOf } from './parts.ts'
import type { Skill } from './skill.ts'

export type ResolvedInput<Input> =
  | { ok: true; skill: Skill<Input>; input: Input; structured: boolean }
  | { ok: false; problem: string }

/** How an agent with several skills reads a message. */
export interface SkillChoice<Input> {
  /** The agent's skills; the first one takes a data part that names none. */
  skills: Skill<Input>[]
  /** The skill a plain-text request is for (the first skill when absent). */
  skillForText?(text: string): Skill<Input>
  /** The caller's earlier messages in this task, oldest first. */
  earlier?: Message[]
}

/**
 * Reads a user message into a skill's input.
 *
 * A message with a data part is a structured skill call: `metadata.skillId`
 * on the part picks the skill (the first one when absent) and the part is
 * validated with that skill's schema. Otherwise the text parts, joined by
 * line breaks, are read as a plain-text request by the skill `skillForText`
 * chooses, with the text of the caller's earlier messages in the task.
 *
 * @example
 * resolveSkillInput(calculateSkill, message) // { ok: true, skill, input: { expression: '2+2' }, structured: true }
 */
export function resolveSkillInput<Input>(
  choice: Skill<Input> | SkillChoice<Input>,
  message: Message,
): ResolvedInput<Input> {
  const { skills, skillForText, earlier = [] } = 'skills' in choice ? choice : { skills: [choice] }
  const [firstSkill] = skills
  if (firstSkill === undefined) throw new Error('an agent needs at least one skill')

  const structuredPart = message.parts.find((part) => part.content?.$case === 'data')
  if (structuredPart === undefined) {
    const text = textIn(message)
    const skill = skillForText?.(text) ?? firstSkill
    const earlierTexts = earlier.map(textIn).filter((value) => value !== '')
    return { ok: true, skill, input: skill.inputFromText(text, earlierTexts), structured: false }
  }

  const requestedSkill: unknown = structuredPart.metadata?.skillId
  const skill =
    requestedSkill === undefined
      ? firstSkill
      : skills.find((candidate) => candidate.id === requestedSkill)
  if (skill === undefined) {
    const names = skills.map((candidate) => `"${candidate.id}"`).join(', ')
    const which = skills.length === 1 ? `one skill, ${names}` : `the skills ${names}`
    return {
      ok: false,
      problem: `This agent has ${which}, but the data part asked for ${JSON.stringify(requestedSkill)}. Send one of these as metadata.skillId, or leave it out for "${firstSkill.id}".`,
    }
  }

  const parsed = skill.inputSchema.safeParse(dataOf(structuredPart))
  if (!parsed.success) {
    return {
      ok: false,
      problem: `Invalid input for skill "${skill.id}": ${describeIssues(parsed.error)}. Example data part: ${JSON.stringify(skill.inputExample)}`,
    }
  }
  return { ok: true, skill, input: parsed.data, structured: true }
}

function textIn(message: Message): string {
  return message.parts
    .map(textOf)
    .filter((value) => value !== undefined)
    .join('\n')
    .trim()
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.')
      return field === '' ? issue.message : `${field}: ${issue.message}`
    })
    .join('; ')
}
