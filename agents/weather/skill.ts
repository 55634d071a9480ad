import { z } from 'zod'
import type { Skill } from '../a2a/skill.ts'
import { findCity, knownCityNames, placeNamedIn } from './city-lookup.ts'
import { monthFromText, parseMonth, SEASONS, seasonFromText } from './months.ts'
import {
  describeTypicalWeather,
  describeUnknownCity,
  monthOfSeason,
  typicalWeather,
} from './typical-weather.ts'

export const GET_WEATHER_SKILL_ID = 'get_weather'

const monthInput = z.union([
  z.number().int().min(1).max(12),
  z.string().refine((value) => parseMonth(value) !== undefined, {
    error: 'month must be 1-12 or a month name such as "July"',
  }),
])

const getWeatherInput = z.object({
  location: z
    .string({ error: 'location is required: a city name such as "Berlin"' })
    .trim()
    .min(1, 'location must not be empty'),
  month: monthInput.optional(),
  /** Used when no month is given: the city's own warmest month for summer, and so on. */
  season: z.enum(SEASONS, { error: `season must be one of ${SEASONS.join(', ')}` }).optional(),
})

export type GetWeatherInput = z.infer<typeof getWeatherInput>

export interface WeatherSkillOptions {
  /** The clock that decides the default month; a test sets it. */
  now?: () => Date
}

/**
 * The weather agent's one skill: typical weather for a city and month from the
 * bundled climate normals. An unknown city is answered (how to ask, which
 * cities are known), not failed.
 */
export function createWeatherSkill(options: WeatherSkillOptions = {}): Skill<GetWeatherInput> {
  const now = options.now ?? (() => new Date())
  return {
    id: GET_WEATHER_SKILL_ID,
    inputSchema: getWeatherInput,
    inputExample: { location: 'Seoul', month: 7 },
    // The whole sentence is the location: findCity picks the city out of it.
    inputFromText: (text) => ({
      location: text,
      month: monthFromText(text),
      season: seasonFromText(text),
    }),
    workingMessage({ location }) {
      const city = findCity(location)
      return city === undefined ? 'Looking for that city…' : `Looking up ${city.name}…`
    },
    run({ location, month, season }) {
      const city = findCity(location)
      if (city === undefined) {
        return {
          ok: true,
          textChunks: describeUnknownCity(placeNamedIn(location)),
          data: { found: false, location, knownCities: knownCityNames() },
        }
      }
      const chosenMonth =
        (month === undefined ? undefined : parseMonth(month)) ??
        (season === undefined ? undefined : monthOfSeason(city, season)) ??
        currentMonth(now())
      const weather = typicalWeather(city, chosenMonth)
      return {
        ok: true,
        textChunks: describeTypicalWeather(weather),
        data: { found: true, ...weather },
      }
    },
  }
}

function currentMonth(date: Date): number {
  return date.getMonth() + 1
}
