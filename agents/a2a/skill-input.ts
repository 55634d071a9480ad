import type { Message } from '@a2a-js/sdk'
import type { z } from 'zod'
import { dataOf, textOf } from './parts.ts'
import type { Skill } from './skill.ts'

export type ResolvedInput<Input> =
  | { ok: true; input: Input; structured: boolean }
  | { ok: false; problem: string }

/**
 * Reads a user message into a skill's input.
 *
 * A message with a data part is a structured skill call: the first data part is
 * validated with the skill's schema, and a `metadata.skillId` on it, when
 * present, must name this skill. Otherwise the text parts, joined by line
 * breaks, are read as a plain-text request.
 *
 * @example
 * resolveSkillInput(calculateSkill, message) // { ok: true, input: { expression: '2+2' }, structured: true }
 */
export function resolveSkillInput<Input>(
  skill: Skill<Input>,
  message: Message,
): ResolvedInput<Input> {
  const structuredPart = message.parts.find((part) => part.content?.$case === 'data')
  if (structuredPart === undefined) {
    const text = message.parts
      .map(textOf)
      .filter((value) => value !== undefined)
      .join('\n')
    return { ok: true, input: skill.inputFromText(text.trim()), structured: false }
  }

  const requestedSkill: unknown = structuredPart.metadata?.skillId
  if (requestedSkill !== undefined && requestedSkill !== skill.id) {
    return {
      ok: false,
      problem: `This agent has one skill, "${skill.id}", but the data part asked for ${JSON.stringify(requestedSkill)}. Send metadata.skillId "${skill.id}" or leave it out.`,
    }
  }

  const parsed = skill.inputSchema.safeParse(dataOf(structuredPart))
  if (!parsed.success) {
    return {
      ok: false,
      problem: `Invalid input for skill "${skill.id}": ${describeIssues(parsed.error)}. Example data part: ${JSON.stringify(skill.inputExample)}`,
    }
  }
  return { ok: true, input: parsed.data, structured: true }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.')
      return field === '' ? issue.message : `${field}: ${issue.message}`
    })
    .join('; ')
}
