import { describe, expect, it } from 'vitest'
import { calculate } from '../../../agents/calculator/calculate.ts'
import {
  ExpressionNotAllowedError,
  evaluateMath,
  MAX_EXPRESSION_LENGTH,
} from '../../../agents/calculator/safe-math.ts'

describe('calculator math sandbox', () => {
  it.each([
    ['import({}, {override: true})'],
    ['createUnit("smoot", "1.7018 m")'],
    ['evaluate("2+2")'],
    ['parse("2+2")'],
    ['simplify("x+x")'],
    ['derivative("x^2", "x")'],
    ['config({number: "BigNumber"})'],
    ['compile("1")'],
  ])('refuses to run %j', (expression) => {
    // Act
    const run = () => evaluateMath(expression)

    // Assess
    expect(run).toThrow(/not available/)
  })

  it('keeps its units intact after an attempt to create one', () => {
    // Prepare
    calculate('createUnit("x")')

    // Act
    const calculation = calculate('x')

    // Assess
    expect(calculation.ok).toBe(false)
  })

  it('keeps its number type after an attempt to reconfigure it', () => {
    // Prepare
    calculate('config({number: "BigNumber"})')

    // Act
    const calculation = calculate('0.1+0.2')

    // Assess
    expect(calculation).toMatchObject({ ok: true, result: 0.3 })
  })

  it.each([
    ['[1].resize([1e9])', /not supported/],
    ['zeros(1e5, 1e5)', /not available/],
    ['1:1e9', /not supported/],
    ['a = 1', /assignments/],
    ['f(x) = x^2', /assignments/],
    ['1; 2', /one expression/],
    ['{a: 1}', /not supported/],
    ['sqrt.constructor', /not supported/],
    ['"text"', /quoted text/],
  ])('refuses %j before evaluating it', (expression, reason) => {
    // Act
    const run = () => evaluateMath(expression)

    // Assess
    expect(run).toThrow(ExpressionNotAllowedError)
    expect(run).toThrow(reason)
  })

  it('refuses expressions longer than a person would type', () => {
    // Prepare
    const expression = `${'1+'.repeat(MAX_EXPRESSION_LENGTH)}1`

    // Act
    const run = () => evaluateMath(expression)

    // Assess
    expect(run).toThrow(/longer than/)
  })
})
