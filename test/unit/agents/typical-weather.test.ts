import { describe, expect, it } from 'vitest'
import { findCity } from '../../../agents/weather/city-lookup.ts'
import type { CityNormals } from '../../../agents/weather/climate-normals.ts'
import {
  describeTypicalWeather,
  describeUnknownCity,
  toFahrenheit,
  typicalWeather,
} from '../../../agents/weather/typical-weather.ts'

function city(name: string): CityNormals {
  const found = findCity(name)
  if (found === undefined) throw new Error(`${name} is missing from the dataset`)
  return found
}

describe('typicalWeather', () => {
  it('reads the month from the dataset, in °C and °F', () => {
    // Prepare
    const berlin = city('Berlin')

    // Act
    const weather = typicalWeather(berlin, 7)

    // Assess
    expect(weather).toMatchObject({
      city: 'Berlin',
      country: 'Germany',
      month: 7,
      monthName: 'July',
      highC: berlin.highC[6],
      lowC: berlin.lowC[6],
      rainyDays: berlin.rainyDays[6],
    })
    expect(weather.highF).toBe(toFahrenheit(weather.highC))
    expect(weather.note).toMatch(/not a live forecast/)
    expect(weather.source).toMatch(/climate normals/)
  })

  it('refuses a month outside 1-12', () => {
    // Act
    const read = () => typicalWeather(city('Berlin'), 13)

    // Assess
    expect(read).toThrow(RangeError)
  })
})

describe('toFahrenheit', () => {
  it.each([
    [0, 32],
    [100, 212],
    [-40, -40],
    [25, 77],
  ])('converts %i °C to %i °F', (celsius, fahrenheit) => {
    // Assess
    expect(toFahrenheit(celsius)).toBe(fahrenheit)
  })
})

describe('describeTypicalWeather', () => {
  it('reads as one text that names the city and says it is not a forecast', () => {
    // Prepare
    const weather = typicalWeather(city('Tokyo'), 3)

    // Act
    const text = describeTypicalWeather(weather).join('')

    // Assess
    expect(text).toContain('Typical March weather in Tokyo, Japan')
    expect(text).toContain(`${weather.highC} °C (${weather.highF} °F)`)
    expect(text).toMatch(/typical values .* not a live forecast/i)
  })

  it('comes in several lines, for streaming', () => {
    // Act
    const lines = describeTypicalWeather(typicalWeather(city('Tokyo'), 3))

    // Assess
    expect(lines.length).toBeGreaterThanOrEqual(2)
    expect(lines.slice(0, -1).every((line) => line.endsWith('\n'))).toBe(true)
  })
})

describe('describeUnknownCity', () => {
  it('quotes the place, says how to ask and lists known cities', () => {
    // Act
    const text = describeUnknownCity('Atlantis').join('')

    // Assess
    expect(text).toContain('"Atlantis"')
    expect(text).toContain("What's the weather in Berlin in July?")
    expect(text).toMatch(/Cities I know: .*Tokyo/)
  })

  it('asks which city when none was named', () => {
    // Act
    const text = describeUnknownCity('').join('')

    // Assess
    expect(text).toMatch(/^Which city\?/)
  })
})
