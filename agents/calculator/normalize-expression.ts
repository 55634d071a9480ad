/** A request read as math: what to show the user, and what to evaluate. */
export interface NormalizedExpression {
  /** The user's expression without the chatter around it: "17% of 2,340". */
  display: string
  /** The same in mathjs syntax: "(17 / 100) * 2340". */
  math: string
}

const LEADING_PHRASE =
  /^(?:(?:please|hey|ok|so)[\s,]+)*(?:what\s+is|what's|whats|what\s+are|how\s+much\s+is|calculate|compute|evaluate|work\s+out|solve|convert|tell\s+me)\b[\s:,]*/i
/**
 * `text` without its trailing spaces, "?", ".", "=" and "!" (`/(?:[\s?.=]|(?<![\d)])!)+$/`), read
 * back from its end: a "!" right after a number or ")" is a factorial ("5!"), not an exclamation
 * mark. As a pattern, each start in a long run of them scanned the rest of it.
 */
const withoutTrailingNoise = (text: string): string => {
  let end = text.length
  for (; end > 0; end--) {
    const char = text.charAt(end - 1)
    if (/[\s?.=]/.test(char)) continue
    if (char === '!' && !/[\d)]/.test(text.charAt(end - 2))) continue
    break
  }
  return text.slice(0, end)
}

/**
 * Words and symbols people type that mathjs spells differently. A number is read from its first
 * digit only (`(?<!\d)`): from every digit of a run of them, each start scanned the rest of it.
 * The spaces before "%" and "per cent" are each alternative's own: a `\s*` before both, then a
 * `\s+` in one, tried every split of a run of spaces after a number (280 KB took 40 s).
 */
const WORD_OPERATORS: [RegExp, string][] = [
  [/(?<!\d)(\d+(?:\.\d+)?)(?:\s*%|\s+per\s?cent)\s*of\b/gi, '($1 / 100) *'],
  [/(?<!\d)(\d+(?:\.\d+)?)\s+per\s?cent\b/gi, '($1 / 100)'],
  [/\bto\s+the\s+power\s+of\b/gi, '^'],
  // "2 x 3": an x between numbers; a lone x is never a variable here.
  [/(\d)\s+x\s+(?=\d)/gi, '$1 * '],
  [/\bln\s*\(/gi, 'log('],
  [/\bmultiplied\s+by\b/gi, '*'],
  [/\bdivided\s+by\b/gi, '/'],
  [/\btimes\b/gi, '*'],
  [/\bplus\b/gi, '+'],
  [/\bminus\b/gi, '-'],
  [/\bsquared\b/gi, '^2'],
  [/\bcubed\b/gi, '^3'],
  [/[×✕]/g, '*'],
  [/÷/g, '/'],
  [/[−–]/g, '-'],
  [/°\s*C\b/gi, 'degC'],
  [/°\s*F\b/gi, 'degF'],
  [/°/g, ' deg'],
]

/**
 * Reads a calculator request written the way people write it: strips leading
 * phrases ("what is", "calculate") and trailing "?", removes thousands
 * separators, and spells "17% of 2,340", word operators and degree signs
 * ("25 °C to °F") the mathjs way.
 *
 * @example
 * normalizeExpression('What is 17% of 2,340?') // { display: '17% of 2,340', math: '(17 / 100) * 2340' }
 */
export function normalizeExpression(input: string): NormalizedExpression {
  const display = withoutTrailingNoise(input.trim().replace(LEADING_PHRASE, '')).trim()
  let math = removeThousandsSeparators(display)
  for (const [pattern, replacement] of WORD_OPERATORS) math = math.replace(pattern, replacement)
  return { display, math }
}

/**
 * Whether `text` before `end` ends in a name, spaces after it allowed (`/[A-Za-z_]\w*\s*$/`):
 * looked for from `end` back over the last word only. The pattern tried every start in all read
 * so far, each `(` of a message of 70,000 scanning everything before it (4.6 s). The text read,
 * not the digits written: a thousands comma dropped only joins digits to digits.
 */
const endsInName = (text: string, end: number): boolean => {
  let last = end
  while (last > 0 && /\s/.test(text.charAt(last - 1))) last--
  for (let at = last - 1; at >= 0 && /\w/.test(text.charAt(at)); at--) {
    if (/[A-Za-z_]/.test(text.charAt(at))) return true
  }
  return false
}

/** From a number's first digit, its first digits and the whole `,ddd` groups after them. */
const DIGITS_AND_GROUPS = /\d{1,3}(?:,\d{3})*/y

/**
 * "2,340,000" -> "2340000". A comma is read as a thousands separator only in a
 * run of 3-digit groups and never inside a function call's parentheses, where
 * it separates arguments: "max(1,234)" keeps its comma.
 */
export function removeThousandsSeparators(text: string): string {
  let result = ''
  const insideCall: boolean[] = []
  let index = 0
  while (index < text.length) {
    const char = text.charAt(index)
    if (char === '(') {
      insideCall.push(endsInName(text, index))
    } else if (char === ')') {
      insideCall.pop()
    } else if (/\d/.test(char) && !/[\w.]/.test(text.charAt(index - 1))) {
      // Read once from the number's first digit (`/^\d{1,3}(?:,\d{3})+(?![\d,])/` there, on the
      // rest of the text, took each later group of a run that is no number for a new start that
      // read the rest again: 280 KB of "1,000,…,0000" took 6.4 s). A run that ends after a
      // group is a number; one that goes on ("1,0000", "1,000,5") is kept as written, and no
      // group of it is a number either, being followed by the same.
      DIGITS_AND_GROUPS.lastIndex = index
      const run = (DIGITS_AND_GROUPS.exec(text) as RegExpExecArray)[0]
      const grouped = run.includes(',') && !/[\d,]/.test(text.charAt(index + run.length))
      result += grouped && !insideCall.at(-1) ? run.replaceAll(',', '') : run
      index += run.length
      continue
    }
    result += char
    index += 1
  }
  return result
}
