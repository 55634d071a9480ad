import { describe, expect, it } from 'vitest'
import {
  asNumber,
  isKeptNumber,
  maxKeptNumbers,
  parseKeepingInexactNumbers,
  topLevelNumberAsWritten,
} from '../../../lib/json-kept-numbers.ts'
import { isJsonObject } from '../../../lib/json-object.ts'

describe('parseKeepingInexactNumbers', () => {
  it.each([
    ['an integer past 2^53', '12345678901234567890'],
    ['an exponent', '1e20'],
    ['a negative zero', '-0'],
    ['a fraction ending in 0', '1.0'],
    ['a number too small for a double', '1e-400'],
    ['a number too large for a double', '1e400'],
    ['a spelling JSON writes otherwise', '-0.0e0'],
    ['a fraction of more digits than a double holds', '0.12345678901234567890'],
    ['a small fraction JSON writes with an exponent', '0.0000001'],
    ['an integer JSON writes with an exponent', '1000000000000000000000'],
  ])('writes back %s as written', (_, number) => {
    // Prepare
    const text = `{"a":${number},"b":[ ${number} ],"c":{"d":${number}}}`

    // Act
    const read = parseKeepingInexactNumbers(text)

    // Assess
    expect(JSON.stringify(read)).toBe(text.replace(/ /g, ''))
  })

  it('keeps as numbers those JSON writes back as they are, for what translation reads', () => {
    // Act
    const read = parseKeepingInexactNumbers(
      '{"role":1,"historyLength":20,"f":0.5,"n":-3,"big":1e20}',
    )

    // Assess
    expect(read).toMatchObject({ role: 1, historyLength: 20, f: 0.5, n: -3 })
    expect(isKeptNumber((read as { big: unknown }).big)).toBe(true)
  })

  it('reads text whose strings only look like numbers (a time, a colon before 1.0) as JSON.parse does', () => {
    // Prepare
    const text = '{"t":"2026-12-07T07:00:00.000Z","s":"a:1.0}","u":"[1e20]"}'

    // Act
    const read = parseKeepingInexactNumbers(text)

    // Assess
    expect(read).toEqual(JSON.parse(text))
  })

  it.each([
    ['a number as a member’s name', '{1e20:0}'],
    ['a number of a leading zero', '[01.5]'],
    ['a number after another', '[1e20 2]'],
    ['a string left open', '["a 1e20]'],
    ['a string left open, an escaped NUL and a number after a backslash in it', '"\\u0000\\-0'],
  ])('throws on %s, as JSON.parse does, though its numbers are marked to be kept', (_, text) => {
    expect(() => parseKeepingInexactNumbers(text)).toThrow(SyntaxError)
  })

  it('keeps a number named __proto__ as a member, as JSON.parse does', () => {
    // Act
    const read = parseKeepingInexactNumbers('{"__proto__":1e20,"a":[{"__proto__":1.0}]}')

    // Assess
    expect(JSON.stringify(read)).toBe('{"__proto__":1e20,"a":[{"__proto__":1.0}]}')
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
  })

  it('keeps a number in text that holds an escaped NUL, and a string of one as a string', () => {
    // Prepare: a NUL before a number is what marks a number to keep
    const text = '{"s":"\\u0000x","t":"\\u00001e20","n":1e20}'

    // Act, Assess
    expect(JSON.stringify(parseKeepingInexactNumbers(text))).toBe(text)
  })

  it('keeps at most maxKeptNumbers numbers as written; past them, reads as JSON.parse does', () => {
    // Prepare: each kept number is an object; 2 million of them took some 0.7 GB to carry
    const text = (count: number) => `{"x":[1,${Array(count).fill('1.0').join(',')}]}`

    // Act
    const atMost = parseKeepingInexactNumbers(text(maxKeptNumbers)) as { x: unknown[] }
    const past = parseKeepingInexactNumbers(text(maxKeptNumbers + 1)) as { x: unknown[] }

    // Assess
    expect(atMost.x.filter(isKeptNumber)).toHaveLength(maxKeptNumbers)
    expect(JSON.stringify(atMost)).toBe(text(maxKeptNumbers))
    expect(past.x.filter(isKeptNumber)).toHaveLength(0)
    expect(past.x[1]).toBe(1)
  })

  it('reads a string of millions of escapes and a number of millions of digits, as JSON.parse does', () => {
    // Prepare: a regular expression's loop kept a place to go back to for each, and overflowed
    const escapes = `{"s":"${'\\n'.repeat(3_500_000)}","n":1.0}`
    const digits = `[${'1'.repeat(6_000_000)},1.0]`

    // Act
    const escapesRead = parseKeepingInexactNumbers(escapes) as { s: string; n: unknown }
    const digitsRead = parseKeepingInexactNumbers(digits) as unknown[]

    // Assess
    expect(escapesRead.s).toHaveLength(3_500_000)
    expect(isKeptNumber(escapesRead.n)).toBe(true)
    expect(JSON.stringify(digitsRead)).toBe(digits)
  })

  it('writes back every generated text as a reviver keeping each number JSON writes otherwise does', () => {
    // Prepare: texts of every kind of value, whitespace, escape and number spelling, seeded
    const reviverKept = (text: string) =>
      JSON.stringify(
        JSON.parse(text, (_key, value, context?: { source?: string }) =>
          typeof value === 'number' && String(value) !== context?.source
            ? (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON(
                context?.source ?? '',
              )
            : value,
        ),
      )
    let seed = 20261207
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 2 ** 32
    }
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
    const numbers = ['0', '-0', '3', '-12', '0.5', '1.0', '-0.0', '1e20', '1E+2', '2e-7', '1e400']
      .concat(['1e-400', '0e0', '12345678901234567890', '1234567890123456', '9007199254740993'])
      .concat(['0.1000000000000000055511151231257827', '123456789012345', '100e-2'])
    const strings = ['""', '"a"', '"\\""', '"\\\\"', '"\\\\\\""', '"\\u0000"', '"\\u00001e20"']
      .concat(['"\\u0000\\u0000x"', '"1.0"', '"a:1e20,"', '"[-0]"', '"\\\\u0000"', '"\\n\\t\\r"'])
      // Runs of backslashes, even and odd, before the closing quote and before a digit; text
      // beyond ASCII (a surrogate pair, written and escaped, a lone one escaped, U+2028, a BOM)
      .concat(['"\\\\\\\\"', '"\\\\\\\\\\""', '"\\\\1e20\\\\\\"-0"', '"\\/\\b\\f1.0"'])
      .concat(['"é1e20"', '"😀"', '"\\ud83d\\ude00-0"', '"\\ud800"', '"\u20281.0"', '"\ufeff"'])
    const keys = ['"a"', '"__proto__"', '"constructor"', '"1e20"', '"0"', '""', '"\\u0000"']
    const space = () => pick(['', '', ' ', '\t', '\r', '\n', ' \r\n\t'])
    const value = (depth: number): string => {
      const kind = depth > 4 ? next() * 0.6 : next()
      if (kind < 0.3) return pick(numbers)
      if (kind < 0.5) return pick(strings)
      if (kind < 0.6) return pick(['true', 'false', 'null'])
      // An object's keys are told apart: of a key given twice, Node 24's JSON.parse may keep the
      // first once it has read an object of those keys before (V8; `"\u0061"` given twice, an
      // escaped key), and the reviver's parse, read second, would differ for that alone.
      const names = keys.filter(() => next() < 0.5)
      const count = kind < 0.8 ? Math.floor(next() * 5) : names.length
      const items = Array.from({ length: count }, (_, at) =>
        kind < 0.8 ? value(depth + 1) : `${names[at]}${space()}:${space()}${value(depth + 1)}`,
      )
      const [open, close] = kind < 0.8 ? ['[', ']'] : ['{', '}']
      return `${open}${space()}${items.join(`${space()},${space()}`)}${space()}${close}`
    }
    const texts = Array.from({ length: 3000 }, () => `${space()}${value(0)}${space()}`)

    // Act
    const differing = texts.filter(
      (text) => JSON.stringify(parseKeepingInexactNumbers(text)) !== reviverKept(text),
    )

    // Assess
    expect(differing).toEqual([])
  })

  it('throws on text that is no JSON, as JSON.parse does', () => {
    expect(() => parseKeepingInexactNumbers('{"a":1e20')).toThrow(SyntaxError)
  })

  it('gives a kept number as the number it is where one is read', () => {
    // Prepare
    const { a } = parseKeepingInexactNumbers('{"a":3.0}') as { a: unknown }

    // Act, Assess
    expect(asNumber(a)).toBe(3)
    expect(asNumber('3')).toBe('3')
  })
})

describe('isJsonObject', () => {
  it('does not take a number kept as written for an object', () => {
    // Prepare
    const { a } = parseKeepingInexactNumbers('{"a":1e20}') as { a: unknown }

    // Act, Assess: a frozen object to JavaScript, whose members a translation must not read
    expect(typeof a).toBe('object')
    expect(isJsonObject(a)).toBe(false)
  })
})

describe('topLevelNumberAsWritten', () => {
  it.each([
    [
      'after strings and nested values that name it',
      String.raw`{"a":"{\"id\":1e20,\\","b":[{"id":2e20}],"c":{"id":4e20},"id":3e20}`,
      3e20,
      '3e20',
    ],
    [
      'spaced around its colon',
      '{ "id" :\n 12345678901234567890 }',
      12345678901234567000,
      '12345678901234567890',
    ],
    // A key given twice: JSON keeps the last, the walk stops at the first; the number parsed stays
    ['given twice', '{"id":1e20,"id":2e20}', 2e20, '200000000000000000000'],
    ['a safe integer written otherwise, not looked for', '{"id":1.0}', 1, '1'],
  ])('finds the member %s', (_what, text, parsed, written) => {
    // Act
    const id = topLevelNumberAsWritten(text, 'id', parsed)

    // Assess
    expect(JSON.stringify(id)).toBe(written)
  })
})
