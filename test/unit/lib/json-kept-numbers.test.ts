import { describe, expect, it } from 'vitest'
import {
  asNumber,
  isKeptNumber,
  maxKeptNumbers,
  parseKeepingInexactNumbers,
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
