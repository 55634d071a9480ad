import * as z from 'zod'
import type { Skill } from '../a2a/skill.ts'
import { findCity, knownCityNames, placeAfterPreposition, placeNamedIn } from './city-lookup.ts'
import { climateNormals } from './climate-normals.ts'
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

/** What the agent asks when a request names no place, a greeting included. */
export const WHICH_CITY =
  'Which city would you like the weather for? I give the typical weather (highs, lows and rainy days, from climate normals) ' +
  `for ${climateNormals.cities.length} major cities, e.g. Berlin, Tokyo or Seoul; ` +
  'name a month or season too if you like ("Tokyo in March").'

/**
 * The weather agent's one skill: typical weather for a city and month from the
 * bundled climate normals. A request in words that names no place (a
 * greeting too), or a city it has no data for, asks "Which city?" (with the
 * cities it knows) and waits for the caller's reply, which is read together
 * with what the caller said before in the same task. A structured call for an
 * unknown city is answered (found: false, the known cities), not failed.
 */
export function createWeatherSkill(options: WeatherSkillOptions = {}): Skill<GetWeatherInput> {
  const now = options.now ?? (() => new Date())
  return {
    id: GET_WEATHER_SKILL_ID,
    inputSchema: getWeatherInput,
    inputExample: { location: 'Seoul', month: 7 },
    // The whole conversation is the location: findCity picks the city out of it. Without a
    // known city, the place the caller named last is quoted back; with none, it is empty.
    inputFromText: (text, earlier = []) => {
      const said = [...earlier, text]
      const conversation = said.join('\n')
      const location =
        findCity(conversation) === undefined
          ? (said.map(placeAfterPreposition).findLast((place) => place !== undefined) ??
            (repliesWithAPlace(text, earlier) ? text : ''))
          : conversation
      return {
        location,
        month: monthFromText(conversation),
        season: seasonFromText(conversation),
      }
    },
    workingMessage({ location }) {
      const city = findCity(location)
      return city === undefined ? 'Looking for that city…' : `Looking up ${city.name}…`
    },
    run({ location, month, season }, work) {
      const city = findCity(location)
      if (city === undefined) {
        if (location.trim() === '') return { ok: 'input-required', question: WHICH_CITY }
        const unknownCity = describeUnknownCity(placeNamedIn(location))
        // In a conversation the caller can name another city; a structured call gets its answer.
        if (work?.structured === false) {
          return { ok: 'input-required', question: unknownCity.join('') }
        }
        return {
          ok: true,
          textChunks: unknownCity,
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

/**
 * Whether a reply to "Which city?" is the place itself ("Atlantis"), even one
 * the agent does not know, rather than more about the time ("In July?").
 */
function repliesWithAPlace(text: string, earlier: string[]): boolean {
  return (
    earlier.length > 0 &&
    text !== '' &&
    !text.includes('?') &&
    monthFromText(text) === undefined &&
    seasonFromText(text) === undefined
  )
}

function currentMonth(date: Date): number {
  return date.getMonth() + 1
}
