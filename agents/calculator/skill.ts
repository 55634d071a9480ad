import { z } from 'zod'
import type { Skill } from '../a2a/skill.ts'
import { calculate, describeFailure } from './calculate.ts'
import { normalizeExpression } from './normalize-expression.ts'

export const CALCULATE_SKILL_ID = 'calculate'

const calculateInput = z.object({
  expression: z
    .string({ error: 'expression is required: a math expression as text, such as "2+2*3"' })
    .trim()
    .min(1, 'expression must not be empty'),
})

export type CalculateInput = z.infer<typeof calculateInput>

/** The calculator's one skill: `{ expression }` in, `2+2*3 = 8` out. */
export const calculateSkill: Skill<CalculateInput> = {
  id: CALCULATE_SKILL_ID,
  inputSchema: calculateInput,
  inputExample: { expression: 'sqrt(2)*pi' },
  inputFromText: (text) => ({ expression: text }),
  workingMessage: ({ expression }) => `Calculating ${normalizeExpression(expression).display}…`,
  run({ expression }) {
    const calculation = calculate(expression)
    if (!calculation.ok) return { ok: false, problem: describeFailure(calculation) }
    const { expression: shown, result, unit, formatted } = calculation
    return {
      ok: true,
      // Streamed like a calculator display: the question first, then the answer.
      textChunks: [`${shown} = `, formatted],
      data: { expression: shown, result, ...(unit === undefined ? {} : { unit }), formatted },
    }
  },
}
