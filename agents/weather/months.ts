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
