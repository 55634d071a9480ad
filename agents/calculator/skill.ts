import * as z from 'zod'
import type { Skill } from '../a2a/skill.ts'
import { CALCULATOR_EXAMPLES } from './examples.ts'
import { normalizeExpression } from './normalize-expression.ts'

export const CALCULATE_SKILL_ID = 'calculate'

const calculateInput = z.object({
  expression: z
    .string({ error: 'expression is required: a math expression as text, such as "2+2*3"' })
    .trim()
    .min(1, 'expression must not be empty'),
})

export type CalculateInput = z.infer<typeof calculateInput>

/**
 * mathjs takes most of a second to import, and blocks the event loop while it does: the
 * calculator starts without it and imports it with its first calculation, so that a stack
 * that never calculates (most test files') never pays for it. Where a first calculation should
 * not wait, call this once the agent is up (npm start, and the Lambda entry's init phase do).
 */
let calculator: Promise<typeof import('./calculate.ts')> | undefined
export const loadCalculator = () => {
  calculator ??= import('./calculate.ts')
  return calculator
}

/** What the calculator answers to words that hold no math: a greeting, small talk. */
export const WHAT_TO_CALCULATE =
  'Hello! I am a calculator. What would you like me to calculate? I evaluate expressions ' +
  `such as ${CALCULATOR_EXAMPLES.map((example) => `"${example}"`).join(', ')}, convert units ` +
  'and count primes ("count the primes up to 1000000").'

/**
 * The calculator's main skill: `{ expression }` in, `2+2*3 = 8` out. Words
 * it cannot evaluate (a greeting, small talk) are answered with what it can
 * do, and the task waits for the caller's question.
 */
export const calculateSkill: Skill<CalculateInput> = {
  id: CALCULATE_SKILL_ID,
  inputSchema: calculateInput,
  inputExample: { expression: 'sqrt(2)*pi' },
  inputFromText: (text) => ({ expression: text }),
  workingMessage: ({ expression }) => `Calculating ${normalizeExpression(expression).display}…`,
  async run({ expression }) {
    const { calculate, describeFailure } = await loadCalculator()
    const calculation = calculate(expression)
    if (!calculation.ok) {
      if (isSmallTalk(expression)) return { ok: 'input-required', question: WHAT_TO_CALCULATE }
      return { ok: false, problem: describeFailure(calculation) }
    }
    const { expression: shown, result, unit, formatted } = calculation
    return {
      ok: true,
      // Streamed like a calculator display: the question first, then the answer.
      textChunks: [`${shown} = `, formatted],
      data: { expression: shown, result, ...(unit === undefined ? {} : { unit }), formatted },
    }
  },
}

/**
 * Whether text it could not evaluate is talk rather than broken math: no
 * number at all ("Hello"), or a sentence, three words in a row ("Follow-up
 * message 1 for the test"). "2+*" and "sqrt(x)" stay math that failed.
 */
export function isSmallTalk(text: string): boolean {
  // Each word tried from its start only (`(?<!\p{L})`): from every letter of a long word, each start
  // scanned the rest of it (the 280 KB a gateway passes on, some 45 s).
  return !/\d/.test(text) || /(?<!\p{L})\p{L}{2,}\s+\p{L}{2,}\s+\p{L}{2,}/u.test(text)
}
