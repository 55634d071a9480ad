import { knownCityNames } from './city-lookup.ts'
import type { CityNormals } from './climate-normals.ts'
import { climateNormals } from './climate-normals.ts'
import { monthName, type Season } from './months.ts'

/** Said with every answer: these numbers describe a month, not today. */
export const NOT_A_FORECAST =
  'These are typical values from long-term climate normals, not a live forecast.'

/** The structured answer for one city and month. */
export interface TypicalWeather {
  city: string
  country: string
  /** 1-12 */
  month: number
  monthName: string
  highC: number
  lowC: number
  highF: number
  lowF: number
  /** Days in the month with at least 1 mm of rain or snow. */
  rainyDays: number
  source: string
  note: string
}

/**
 * The month (1-12) that stands for a season in a city, read from its own
 * normals, so the hemisphere takes care of itself: summer is the warmest month
 * (July in Moscow, January in Sydney), winter the coldest, spring and autumn
 * three months after each.
 */
export function monthOfSeason(city: CityNormals, season: Season): number {
  const warmest = city.highC.indexOf(Math.max(...city.highC))
  const coldest = city.highC.indexOf(Math.min(...city.highC))
  const index = {
    winter: coldest,
    spring: coldest + 3,
    summer: warmest,
    autumn: warmest + 3,
  }[season]
  return (index % 12) + 1
}

/**
 * The typical weather of a city in a month (1-12), from the bundled normals.
 *
 * @example
 * typicalWeather(findCity('Berlin')!, 7) // { city: 'Berlin', highC: 25, lowC: 14, rainyDays: 9, ... }
 */
export function typicalWeather(city: CityNormals, month: number): TypicalWeather {
  const at = (values: number[]) => {
    const value = values[month - 1]
    if (value === undefined) throw new RangeError(`month must be 1-12, got ${month}`)
    return value
  }
  const highC = at(city.highC)
  const lowC = at(city.lowC)
  return {
    city: city.name,
    country: city.country,
    month,
    monthName: monthName(month),
    highC,
    lowC,
    highF: toFahrenheit(highC),
    lowF: toFahrenheit(lowC),
    rainyDays: at(city.rainyDays),
    source: climateNormals.source,
    note: NOT_A_FORECAST,
  }
}

export function toFahrenheit(celsius: number): number {
  return Math.round((celsius * 9) / 5 + 32)
}

/**
 * The answer as lines of text, each ending in a line break but the last, so
 * they can be streamed one by one and still read as one text.
 */
export function describeTypicalWeather(weather: TypicalWeather): string[] {
  const days = weather.rainyDays === 1 ? 'day' : 'days'
  return [
    `Typical ${weather.monthName} weather in ${weather.city}, ${weather.country}:\n`,
    `- High around ${weather.highC} °C (${weather.highF} °F), low around ${weather.lowC} °C (${weather.lowF} °F)\n`,
    `- About ${weather.rainyDays} ${days} with rain or snow (at least 1 mm)\n`,
    `${NOT_A_FORECAST} Source: ${weather.source}.`,
  ]
}

/** The helpful answer when no known city was named: how to ask, and what is known. */
export function describeUnknownCity(location: string): string[] {
  const opening =
    location.trim() === ''
      ? 'Which city? I did not find a city name in your request.\n'
      : `I don't have climate data for "${location.trim()}".\n`
  return [
    opening,
    'Ask like "What\'s the weather in Berlin in July?", or send a data part ' +
      '{"location": "Seoul", "month": 7} (month is optional, 1-12 or a name).\n',
    `Cities I know: ${knownCityNames().join(', ')}.\n`,
    NOT_A_FORECAST,
  ]
}
