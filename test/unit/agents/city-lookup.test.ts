import { describe, expect, it } from 'vitest'
import {
  findCity,
  knownCityNames,
  longestPlace,
  normalizeText,
  placeAfterPreposition,
  placeNamedIn,
} from '../../../agents/weather/city-lookup.ts'

describe('findCity', () => {
  it.each([
    ['Berlin', 'Berlin'],
    ['BERLIN', 'Berlin'],
    ["What's the weather in Berlin right now?", 'Berlin'],
    ['in Berlin right now?', 'Berlin'],
    ['zurich', 'Zürich'],
    ['Zürich', 'Zürich'],
    ['Sao Paulo', 'São Paulo'],
    ['reykjavik in march', 'Reykjavík'],
    ['New York City', 'New York'],
    ['weather in nyc', 'New York'],
    ['Is it hot in LA?', 'Los Angeles'],
    ['Bombay', 'Mumbai'],
    ['Saigon', 'Ho Chi Minh City'],
    ['Ciudad de Mexico', 'Mexico City'],
    ['cape-town', 'Cape Town'],
  ])('finds %j as %s', (text, expected) => {
    // Act
    const city = findCity(text)

    // Assess
    expect(city?.name).toBe(expected)
  })

  it('prefers the longest name it finds', () => {
    // Act
    const city = findCity('Rio de Janeiro')

    // Assess
    expect(city?.name).toBe('Rio de Janeiro')
  })

  it('reads two-letter acronyms only in capitals, so "la" stays an article', () => {
    // Act
    const city = findCity('what is the weather like in la paz')

    // Assess
    expect(city).toBeUndefined()
  })

  it.each([['Atlantis'], [''], ['weather please'], ['Berliner Weisse']])(
    'finds no city in %j',
    (text) => {
      // Act
      const city = findCity(text)

      // Assess
      expect(city).toBeUndefined()
    },
  )
})

describe('normalizeText', () => {
  it('folds case, accents and punctuation', () => {
    // Act
    const text = normalizeText('  São Paulo?! Bogotá ')

    // Assess
    expect(text).toBe('sao paulo bogota')
  })
})

describe('placeNamedIn', () => {
  it.each([
    ["What's the weather in Atlantis right now?", 'Atlantis'],
    ['weather in Gotham City in July', 'Gotham City'],
    ['Atlantis', 'Atlantis'],
  ])('reads the place in %j as %j', (text, expected) => {
    // Act
    const place = placeNamedIn(text)

    // Assess
    expect(place).toBe(expected)
  })
})

describe('placeAfterPreposition', () => {
  it('reads a place of at most longestPlace characters, so no "at" of a long text reads on to its end', () => {
    // Prepare
    const longest = `${'x'.repeat(longestPlace - 1)}a`
    const longer = `${longest}b`

    // Act
    const places = [longest, longer].map((place) => placeAfterPreposition(`weather in ${place}?`))
    const repeated = placeAfterPreposition(`weather ${'at '.repeat(20_000)}1`)

    // Assess
    expect(places).toEqual([longest, undefined])
    expect(repeated).toBeUndefined()
  })
})

describe('knownCityNames', () => {
  it('lists the cities alphabetically', () => {
    // Act
    const names = knownCityNames()

    // Assess
    expect(names.slice(0, 3)).toEqual(['Addis Ababa', 'Amsterdam', 'Athens'])
    expect(names).toContain('Tokyo')
  })
})
