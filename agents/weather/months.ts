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

/** 'July' | 'jul' | 'Jul.' | '7' | 7 -> 7; anything else -> undefined. */
export function parseMonth(value: number | string): number | undefined {
  if (typeof value === 'number') return isMonthNumber(value) ? value : undefined
  const text = value.trim().toLowerCase().replace(/\.$/, '')
  if (/^\d{1,2}$/.test(text)) return parseMonth(Number(text))
  return monthFromWord(text)
}

/**
 * The month a sentence mentions, if any: "weather in Tokyo in March?" -> 3.
 * "may" counts only after "in", "for", "during" or "next", so "may I ask" is
 * not read as May.
 */
export function monthFromText(text: string): number | undefined {
  const words = text.toLowerCase().split(/[^a-z]+/)
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
  return index === -1 ? undefined : index + 1
}

function isMonthNumber(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 12
}
