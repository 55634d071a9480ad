import { isComplex, isUnit } from 'mathjs'
import { CALCULATOR_EXAMPLES } from './examples.ts'
import { normalizeExpression } from './normalize-expression.ts'
import { ExpressionNotAllowedError, evaluateMath, formatMathValue } from './safe-math.ts'

/** Answers are given to this many significant digits (exact integers are kept whole). */
export const SIGNIFICANT_DIGITS = 10

export type Calculation =
  | {
      ok: true
      /** The expression as the user wrote it, without "what is" and "?". */
      expression: string
      /** A number; a boolean for comparisons; a string only for complex numbers ("2i"). */
      result: number | boolean | string
      /** The unit of `result` when the answer is a quantity, e.g. "miles". */
      unit?: string
      /** The result as shown, unit included: "3.106855961 miles". */
      formatted: string
    }
  | { ok: false; expression: string; problem: string }

/**
 * Evaluates a calculator request: arithmetic, functions, percentages and unit
 * conversions, in a locked-down mathjs (never `eval`). Never throws: a request
 * it cannot answer comes back with `ok: false` and the reason.
 *
 * @example
 * calculate('what is 17% of 2,340?') // { ok: true, expression: '17% of 2,340', result: 397.8, formatted: '397.8' }
 * calculate('2+*') // { ok: false, expression: '2+*', problem: 'Syntax error: Value expected (char 3)' }
 */
export function calculate(input: string): Calculation {
  const { display, math } = normalizeExpression(input)
  if (math === '') return { ok: false, expression: display, problem: 'there is no expression' }

  let value: unknown
  try {
    value = evaluateMath(math)
  } catch (error) {
    return { ok: false, expression: display, problem: explainError(error) }
  }
  return { expression: display, ...describeValue(value) }
}

type Described =
  | Omit<Extract<Calculation, { ok: true }>, 'expression'>
  | { ok: false; problem: string }

function describeValue(value: unknown): Described {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, problem: notFinite(value) }
    const result = roundNumber(value)
    return { ok: true, result, formatted: String(result) }
  }
  if (typeof value === 'boolean') return { ok: true, result: value, formatted: String(value) }
  if (isUnit(value)) {
    if (value.value === null) {
      return { ok: false, problem: `${value.formatUnits()} is a unit without an amount` }
    }
    const unit = value.formatUnits()
    const amount = value.toNumber(unit)
    if (!Number.isFinite(amount)) return { ok: false, problem: notFinite(amount) }
    const result = roundNumber(amount)
    return { ok: true, result, unit, formatted: `${result} ${unit}` }
  }
  if (isComplex(value)) {
    if (!Number.isFinite(value.re) || !Number.isFinite(value.im)) {
      return { ok: false, problem: 'the result is not a finite number' }
    }
    const formatted = formatMathValue(value, SIGNIFICANT_DIGITS)
    return { ok: true, result: formatted, formatted }
  }
  if (typeof value === 'function') {
    return { ok: false, problem: 'that names a function; call it with a value, e.g. sqrt(2)' }
  }
  return { ok: false, problem: 'the result is not a number' }
}

/** Whole numbers stay exact; others lose the float noise (0.1+0.2 -> 0.3). */
export function roundNumber(value: number): number {
  if (Number.isSafeInteger(value)) return value
  return Number(value.toPrecision(SIGNIFICANT_DIGITS))
}

function notFinite(value: number): string {
  return Number.isNaN(value)
    ? 'the result is undefined (not a number), e.g. 0/0'
    : 'the result is infinite, e.g. a division by zero'
}

function explainError(error: unknown): string {
  if (error instanceof ExpressionNotAllowedError) return error.message
  if (error instanceof SyntaxError) return `syntax error: ${error.message}`
  const message = error instanceof Error ? error.message : String(error)
  const undefinedSymbol = /^Undefined symbol (.+)$/.exec(message)
  if (undefinedSymbol) {
    return `"${undefinedSymbol[1]}" is not a number, unit, constant or function I know`
  }
  const undefinedFunction = /^Undefined function (.+)$/.exec(message)
  if (undefinedFunction) return `the function ${undefinedFunction[1]}() is not available`
  return message
}

/** The status message for a request that could not be calculated. */
export function describeFailure(calculation: Extract<Calculation, { ok: false }>): string {
  const examples = CALCULATOR_EXAMPLES.map((example) => `"${example}"`).join(', ')
  const what = calculation.expression === '' ? 'that' : `"${calculation.expression}"`
  return `Could not calculate ${what}: ${calculation.problem}. Try an expression such as ${examples}.`
}
