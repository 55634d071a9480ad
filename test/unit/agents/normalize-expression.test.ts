import { describe, expect, it } from 'vitest'
import {
  normalizeExpression,
  removeThousandsSeparators,
} from '../../../agents/calculator/normalize-expression.ts'

describe('normalizeExpression', () => {
  it.each([
    ['What is 2+2?', '2+2'],
    ["what's 3 * 4", '3 * 4'],
    ['Calculate sqrt(2)*pi', 'sqrt(2)*pi'],
    ['please compute 10 / 4 =', '10 / 4'],
    ['How much is 5 km in miles?', '5 km in miles'],
    ['  2+2*3  ', '2+2*3'],
  ])('strips the chatter around %j', (input, expected) => {
    // Act
    const { display } = normalizeExpression(input)

    // Assess
    expect(display).toBe(expected)
  })

  it('reads long runs of digits, spaces, "?" or "!"', () => {
    // Prepare: the trailing-noise and "x% of y" patterns tried every start in such a run, each
    // scanning the rest of it: 20,000 characters took 0.6-1 s of the calculator's thread (on a
    // laptop, the gateway's too), and 280 KB, a message the gateway passes on, some minutes.
    // Spaces after a number: "x% of y" tried every split of them between a `\s*` and a `\s+`
    // (`\s*(?:%|\s+per…)`), 40,000 taking 1.6 s and 280 KB 40 s. That the patterns read them in
    // linear time is judged from their source (agent-patterns.test.ts), not by a clock.
    const texts = [
      ...['1', ' ', '?', '!'].map((run) => `a${run.repeat(40_000)}b`),
      `1${' '.repeat(40_000)}b`,
    ]

    // Act
    const normalized = texts.map((text) => normalizeExpression(text).math)

    // Assess
    expect(normalized.map((math) => math.length)).toEqual([40_002, 40_002, 40_002, 40_002, 40_002])
    expect(normalizeExpression('12.5 % of 80!! ?!').math).toBe('(12.5 / 100) * 80!')
    expect(normalizeExpression('x = 5 per cent  ?').math).toBe('x = (5 / 100)')
  })

  it('turns "x% of y" into a multiplication by x/100', () => {
    // Act
    const { display, math } = normalizeExpression('what is 17% of 2,340')

    // Assess
    expect(display).toBe('17% of 2,340')
    expect(math).toBe('(17 / 100) * 2340')
  })

  it('spells word operators as symbols', () => {
    // Act
    const { math } = normalizeExpression('3 plus 4 times 2 minus 6 divided by 3')

    // Assess
    expect(math).toBe('3 + 4 * 2 - 6 / 3')
  })
})

describe('removeThousandsSeparators', () => {
  /**
   * What it makes of `text`, and how far its regular expressions read through it: each run from
   * where it starts to the end of its match, or of the text when it finds none. A count, the
   * same on any machine. Each pattern is judged linear in what it reads (agent-patterns.test.ts);
   * reading the same text again and again, the function is not.
   */
  const readByPatterns = (text: string) => {
    const exec = RegExp.prototype.exec
    let read = 0
    RegExp.prototype.exec = function (this: RegExp, input: string) {
      const from = this.global || this.sticky ? this.lastIndex : 0
      const found = exec.call(this, input)
      read += (found === null ? input.length : found.index + found[0].length) - from
      return found
    }
    try {
      return { result: removeThousandsSeparators(text), read }
    } finally {
      RegExp.prototype.exec = exec
    }
  }

  it.each([
    ['2,340', '2340'],
    ['1,234,567.89 + 1', '1234567.89 + 1'],
    ['(2,340 + 5) * 2', '(2340 + 5) * 2'],
  ])('reads %j as plain digits', (input, expected) => {
    // Act
    const result = removeThousandsSeparators(input)

    // Assess
    expect(result).toBe(expected)
  })

  it.each([['max(1,234)'], ['max(1, 234)'], ['1,23 + 4']])(
    'leaves commas that separate arguments or are not groups of three in %j',
    (input) => {
      // Act
      const result = removeThousandsSeparators(input)

      // Assess
      expect(result).toBe(input)
    },
  )

  it.each([
    ['2x(1,234)', '2x(1,234)'],
    ['max (1,234) + (2,000)', 'max (1,234) + (2000)'],
    ['f_1(  (1,000))', 'f_1(  (1000))'],
    ['12(1,000)', '12(1000)'],
  ])('reads a call as any name before its parenthesis: %j', (input, expected) => {
    // Assess
    expect(removeThousandsSeparators(input)).toBe(expected)
  })

  it('reads a long run of thousands groups once, however many groups it has', () => {
    // Prepare: each group of a run that is no number ("1,000,…,000" ending in a fourth digit, or
    // in a call's parentheses) was a new start from which a pattern read the rest of the run:
    // 280 KB took 6.4 s of the calculator's thread (the gateway's too under `npm start`).
    // Counted in the characters its patterns read, not in time: the whole rest again at every
    // group, four times the run was sixteen times the characters.
    const runs = (groups: number) => [
      `1${',000'.repeat(groups)}0`,
      `max(1${',000'.repeat(groups)})`,
      `(1${',000'.repeat(groups)})`,
    ]

    // Act
    const [short, long] = [runs(2_000), runs(8_000)].map((texts) => texts.map(readByPatterns))

    // Assess
    expect(long?.map(({ result }) => result)).toEqual([
      `1${',000'.repeat(8_000)}0`,
      `max(1${',000'.repeat(8_000)})`,
      `(1${'000'.repeat(8_000)})`,
    ])
    for (const [index, { read }] of (long ?? []).entries()) {
      expect(read / (short?.[index]?.read as number)).toBeLessThan(4.5)
    }
  })

  it('reads a message of many parentheses in characters proportional to its length', () => {
    // Prepare: each "(" looked for a name at the end of everything read so far, so 70,000 of
    // them took 4.6 s of the calculator's thread (on a laptop, the gateway's too); these three,
    // 13 s. Counted in the characters its patterns read: four times the message, at most about
    // four times the characters (everything read so far at each "(": sixteen times).
    const texts = (times: number) => [
      '('.repeat(times * 7_000),
      'sqrt('.repeat(times * 1_400),
      ' ( 1'.repeat(times * 1_750),
    ]

    // Act
    const [short, long] = [texts(1), texts(4)].map((each) => each.map(readByPatterns))

    // Assess
    expect(long?.map(({ result }) => result)).toEqual(texts(4))
    for (const [index, { read }] of (long ?? []).entries()) {
      expect(read / (short?.[index]?.read as number)).toBeLessThan(4.5)
    }
  })
})
