import { type CityNormals, climateNormals } from './climate-normals.ts'
import { parseMonth, SEASONS } from './months.ts'

/** One way to name a city, ready to be searched for in normalized text. */
interface CityName {
  city: CityNormals
  /** Normalized: lower case, no accents, words separated by single spaces. */
  words: string
  /**
   * Two-letter acronyms ("LA", "SF") are common words or articles in lower
   * case ("la"), so they match only when written in capitals.
   */
  capitalsOnly: boolean
}

const CITY_NAMES: CityName[] = climateNormals.cities.flatMap((city) =>
  [city.name, ...city.aliases].map((name) => ({
    city,
    words: normalizeText(name),
    capitalsOnly: /^[A-Z]{2}$/.test(name),
  })),
)

/**
 * Lower case, accents removed, punctuation turned into single spaces:
 * "  São Paulo?! " -> "sao paulo".
 */
export function normalizeText(text: string): string {
  return foldAccents(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
}

/**
 * The city a request names, forgiving about case, accents, aliases and the
 * words around it: "What's the weather in NYC right now?" -> New York. When
 * several names appear, the longest wins ("New York City" over "York").
 *
 * @example
 * findCity('weather in zurich in july') // the Zürich entry
 * findCity('Atlantis') // undefined
 */
export function findCity(text: string): CityNormals | undefined {
  const normalized = ` ${normalizeText(text)} `
  const capitals = ` ${foldAccents(text)
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()} `
  let best: CityName | undefined
  for (const name of CITY_NAMES) {
    const found = name.capitalsOnly
      ? capitals.includes(` ${name.words.toUpperCase()} `)
      : normalized.includes(` ${name.words} `)
    if (found && (best === undefined || name.words.length > best.words.length)) best = name
  }
  return best?.city
}

/**
 * "in Paris", "for New York right now": the place runs to the first word that ends it, a
 * punctuation mark or the end. A place ends before spaces only after a letter or mark
 * (`(?<!\s)`), as the first such end always was: tried after every space of a run as well, the
 * `\s+` read the rest of the run each time (120,000 spaces took 9 s). A place is at most
 * `longestPlace` characters (the longest town names are some 85): unbounded, each "at" of
 * "at at at … 1" read on to the end of the text (60,000 characters took 2.3 s).
 */
export const longestPlace = 120

const PLACE_AFTER_PREPOSITION =
  /\b(?:in|for|at)\s+(\p{L}[\p{L}' .-]{0,119}?)(?=(?<!\s)\s+(?:in|during|for|right|now|today|tonight|tomorrow|this|next)\b|[?!.,;]|$)/iu

/**
 * The place a sentence asks about, for quoting back when it is not a known
 * city: "What's the weather in Atlantis right now?" -> "Atlantis". Without a
 * preposition the whole text is the place.
 */
export function placeNamedIn(text: string): string {
  return placeAfterPreposition(text) ?? text.trim()
}

/**
 * The place a sentence names after "in", "for" or "at", or undefined when it
 * names none ("What's the weather like?", "Hello") or only a month or season
 * ("weather in July").
 *
 * @example
 * placeAfterPreposition('weather in Atlantis?') // 'Atlantis'
 * placeAfterPreposition('how is the weather in July') // undefined
 */
export function placeAfterPreposition(text: string): string | undefined {
  const place = PLACE_AFTER_PREPOSITION.exec(text)?.[1]?.trim()
  if (place === undefined || place === '') return undefined
  const words = normalizeText(place)
  if (parseMonth(words) !== undefined || (SEASONS as readonly string[]).includes(words)) {
    return undefined
  }
  return place
}

/** Every city in the dataset, by name, alphabetically. */
export function knownCityNames(): string[] {
  return climateNormals.cities.map((city) => city.name).sort((a, b) => a.localeCompare(b, 'en'))
}

function foldAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '')
}
