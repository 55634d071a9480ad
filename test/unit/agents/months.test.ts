import { describe, expect, it } from 'vitest'
import { monthFromText, monthName, parseMonth } from '../../../agents/weather/months.ts'

describe('parseMonth', () => {
  it.each([
    [7, 7],
    ['7', 7],
    ['July', 7],
    ['jul', 7],
    ['Sept', 9],
    ['dec.', 12],
    ['julio', 7],
    ['Août', 8],
  ])('reads %j as month %i', (value, expected) => {
    // Act
    const month = parseMonth(value)

    // Assess
    expect(month).toBe(expected)
  })

  it.each([[0], [13], [2.5], ['Julember'], ['ju'], ['']])('refuses %j', (value) => {
    // Act
    const month = parseMonth(value)

    // Assess
    expect(month).toBeUndefined()
  })
})

describe('monthFromText', () => {
  it.each([
    ['weather in Tokyo in March?', 3],
    ['Berlin, august', 8],
    ['what about Paris in May', 5],
    ['Lisbon during sep', 9],
  ])('finds the month in %j', (text, expected) => {
    // Act
    const month = monthFromText(text)

    // Assess
    expect(month).toBe(expected)
  })

  it.each([
    ['¿Qué tiempo hace en Madrid en julio?', 7],
    ['Wetter in Wien im März', 3],
    ['Quel temps fait-il à Paris en août ?', 8],
    ['Lisboa em dezembro', 12],
    ['Pogoda w Warszawie 15 stycznia', 1],
  ])('finds the month named in another language in %j', (text, expected) => {
    // Act
    const month = monthFromText(text)

    // Assess
    expect(month).toBe(expected)
  })

  it('does not read "may I ask" as May', () => {
    // Act
    const month = monthFromText('May I ask about the weather in Berlin?')

    // Assess
    expect(month).toBeUndefined()
  })

  it('finds no month when none is named', () => {
    // Act
    const month = monthFromText("What's the weather in Berlin right now?")

    // Assess
    expect(month).toBeUndefined()
  })
})

describe('monthName', () => {
  it('names month 1 January', () => {
    // Assess
    expect(monthName(1)).toBe('January')
  })
})
