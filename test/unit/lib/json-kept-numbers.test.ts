import { describe, expect, it } from 'vitest'
import {
  asNumber,
  isKeptNumber,
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
