export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/**
 * Languages besides English whose month names are understood, written as the
 * city aliases are ("Wien im Juli", "Lisboa em março"): full names, accents
 * folded, in both the standalone and the date form (Polish "styczeń" and
 * "15 stycznia").
 */
const OTHER_LANGUAGES = ['de', 'es', 'fr', 'it', 'nl', 'pl', 'pt', 'sv']

const OTHER_LANGUAGE_MONTHS = new Map<string, number>(
  OTHER_LANGUAGES.flatMap((locale) =>
    ([{}, { day: 'numeric' }] as const).flatMap((withDay) => {
      const format = new Intl.DateTimeFormat(locale, { month: 'long', ...withDay, timeZone: 'UTC' })
      return MONTH_NAMES.map((_, index) => {
        const parts = format.formatToParts(Date.UTC(2001, index, 15))
        const name = parts.find((part) => part.type === 'month')?.value ?? ''
        return [foldAccents(name.toLowerCase()), index + 1] as const
      })
    }),
  ),
)

/** 'July' | 'jul' | 'Jul.' | 'julio' | '7' | 7 -> 7; anything else -> undefined. */
export function parseMonth(value: number | string): number | undefined {
  if (typeof value === 'number') return isMonthNumber(value) ? value : undefined
  const text = foldAccents(value.trim().toLowerCase()).replace(/\.$/, '')
  if (/^\d{1,2}$/.test(text)) return parseMonth(Number(text))
  return monthFromWord(text)
}

/**
 * The month a sentence mentions, if any: "weather in Tokyo in March?" -> 3.
 * "may" counts only after "in", "for", "during" or "next", so "may I ask" is
 * not read as May.
 */
export function monthFromText(text: string): number | undefined {
  const words = foldAccents(text.toLowerCase()).split(/[^a-z]+/)
  for (const [index, word] of words.entries()) {
    if (word === 'may') {
      if (['in', 'for', 'during', 'next', 'of'].includes(words[index - 1] ?? '')) return 5
      continue
    }
    const month = monthFromWord(word)
    if (month !== undefined) return month
  }
  return undefined
}

export const SEASONS = ['winter', 'spring', 'summer', 'autumn'] as const
export type Season = (typeof SEASONS)[number]

/** Season words, accents folded, in English and the languages callers use most. */
const SEASON_WORDS = new Map<string, Season>([
  ...(['winter', 'invierno', 'hiver', 'inverno'].map((word) => [word, 'winter']) as [
    string,
    Season,
  ][]),
  ...(['spring', 'primavera', 'fruhling', 'printemps', 'lente'].map((word) => [word, 'spring']) as [
    string,
    Season,
  ][]),
  ...(['summer', 'verano', 'sommer', 'ete', 'zomer'].map((word) => [word, 'summer']) as [
    string,
    Season,
  ][]),
  ...(['autumn', 'otono', 'herbst', 'automne', 'autunno', 'herfst'].map((word) => [
    word,
    'autumn',
  ]) as [string, Season][]),
])

/**
 * The season a sentence mentions, if any: "Moscow in winter" -> 'winter'.
 * "fall" counts only after "in", "this", "next", "the" or "during", so "will it
 * fall below zero" is not read as autumn.
 */
export function seasonFromText(text: string): Season | undefined {
  const words = foldAccents(text.toLowerCase()).split(/[^a-z]+/)
  for (const [index, word] of words.entries()) {
    if (word === 'fall') {
      if (['in', 'this', 'next', 'the', 'during'].includes(words[index - 1] ?? '')) return 'autumn'
      continue
    }
    const season = SEASON_WORDS.get(word)
    if (season) return season
  }
  return undefined
}

export function monthName(month: number): string {
  return MONTH_NAMES[month - 1] ?? `month ${month}`
}

function monthFromWord(word: string): number | undefined {
  if (word.length < 3) return undefined
  const index = MONTH_NAMES.findIndex((name) => {
    const lower = name.toLowerCase()
    // Full names, three-letter abbreviations, and "sept".
    return (
      word === lower || word === lower.slice(0, 3) || (word === 'sept' && lower === 'september')
    )
  })
  return index === -1 ? OTHER_LANGUAGE_MONTHS.get(word) : index + 1
}

function foldAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '')
}

function isMonthNumber(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 12
}
