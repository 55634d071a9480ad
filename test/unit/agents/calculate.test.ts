import { describe, expect, it } from 'vitest'
import { calculate, describeFailure, roundNumber } from '../../../agents/calculator/calculate.ts'

describe('calculate', () => {
  it('answers 2+2*3 with 8', () => {
    // Act
    const calculation = calculate('2+2*3')

    // Assess
    expect(calculation).toEqual({ ok: true, expression: '2+2*3', result: 8, formatted: '8' })
  })

  it('answers "what is 17% of 2,340" with 397.8', () => {
    // Act
    const calculation = calculate('what is 17% of 2,340')

    // Assess
    expect(calculation).toMatchObject({ ok: true, expression: '17% of 2,340', result: 397.8 })
  })

  it('answers sqrt(2)*pi with 4.44288… to ten significant digits', () => {
    // Act
    const calculation = calculate('sqrt(2)*pi')

    // Assess
    expect(calculation).toMatchObject({ ok: true, formatted: '4.442882938' })
  })

  it('converts 5 km in miles', () => {
    // Act
    const calculation = calculate('5 km in miles')

    // Assess
    expect(calculation.ok).toBe(true)
    if (!calculation.ok) return
    expect(calculation.unit).toBe('miles')
    expect(calculation.result).toBeCloseTo(3.10686, 5)
    expect(calculation.formatted).toBe('3.106855961 miles')
  })

  it.each([
    ['5!', 120],
    ['what is 5!?', 120],
    ['(2+1)!', 6],
  ])('reads the ! of %j as a factorial, not as an exclamation mark', (input, expected) => {
    // Act
    const calculation = calculate(input)

    // Assess
    expect(calculation).toMatchObject({ ok: true, result: expected })
  })

  it.each([
    ['25 °C to °F', 77, 'degF'],
    ['100°F in °C', 37.77777778, 'degC'],
  ])('converts temperatures written with a degree sign: %j', (input, result, unit) => {
    // Act
    const calculation = calculate(input)

    // Assess
    expect(calculation).toMatchObject({ ok: true, result, unit })
  })

  it.each([
    ['30 mph in km/h', 48.28032, 'km / h'],
    ['100 kph in mph', 62.13711922, 'mph'],
    ['10 knots in km/h', 18.52, 'km / h'],
    ['70 kg in pounds', 154.3235835, 'pounds'],
  ])('knows the everyday names of speed and mass units: %j', (input, result, unit) => {
    // Act
    const calculation = calculate(input)

    // Assess
    expect(calculation).toMatchObject({ ok: true, result, unit })
  })

  it.each([
    ['15 percent of 80', 12],
    ['what is 7.5 per cent of 200', 15],
    ['2 to the power of 10', 1024],
    ['2 x 3', 6],
    ['ln(e)', 1],
  ])('reads %j the way people write it', (input, expected) => {
    // Act
    const calculation = calculate(input)

    // Assess
    expect(calculation).toMatchObject({ ok: true, result: expected })
  })

  it('hides floating-point noise: 0.1+0.2 is 0.3', () => {
    // Act
    const calculation = calculate('0.1+0.2')

    // Assess
    expect(calculation).toMatchObject({ ok: true, result: 0.3, formatted: '0.3' })
  })

  it('keeps large whole numbers exact', () => {
    // Act
    const calculation = calculate('2^40')

    // Assess
    expect(calculation).toMatchObject({ ok: true, result: 1099511627776 })
  })

  it('handles thousands separators, leading phrases and a trailing question mark', () => {
    // Act
    const calculation = calculate('Calculate 1,000,000 / 4?')

    // Assess
    expect(calculation).toMatchObject({ ok: true, expression: '1,000,000 / 4', result: 250000 })
  })

  it('answers a comparison with a boolean', () => {
    // Act
    const calculation = calculate('2 > 1')

    // Assess
    expect(calculation).toMatchObject({ ok: true, result: true, formatted: 'true' })
  })

  it('answers the square root of a negative number with a complex number', () => {
    // Act
    const calculation = calculate('sqrt(-4)')

    // Assess
    expect(calculation).toMatchObject({ ok: true, result: '2i', formatted: '2i' })
  })

  it.each([
    ['2+*', /syntax error/i],
    ['foo bar', /"foo" is not a number, unit, constant or function/],
    ['', /no expression/],
    ['1/0', /infinite/],
    ['0/0', /not a number/],
    ['km', /unit without an amount/],
    ['sqrt', /names a function/],
  ])('refuses %j and says why', (input, reason) => {
    // Act
    const calculation = calculate(input)

    // Assess
    expect(calculation.ok).toBe(false)
    if (calculation.ok) return
    expect(calculation.problem).toMatch(reason)
  })

  it('never throws, whatever it is given', () => {
    // Prepare
    const inputs = ['(((', ')', '"quoted"', '1e999999', '%%%', '🙂', 'of of of', '5 km + 3 kg']

    // Act
    const outcomes = inputs.map((input) => calculate(input).ok)

    // Assess
    expect(outcomes).toHaveLength(inputs.length)
  })
})

describe('describeFailure', () => {
  it('says what was wrong and gives an example that works', () => {
    // Prepare
    const calculation = calculate('2+*')
    if (calculation.ok) throw new Error('expected 2+* to fail')

    // Act
    const message = describeFailure(calculation)

    // Assess
    expect(message).toMatch(/^Could not calculate "2\+\*": syntax error/)
    expect(message).toContain('"2+2*3"')
  })
})

describe('roundNumber', () => {
  it('keeps ten significant digits of a fraction', () => {
    // Act
    const rounded = roundNumber(1 / 3)

    // Assess
    expect(rounded).toBe(0.3333333333)
  })
})
