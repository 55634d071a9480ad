import * as z from 'zod'
import type { Skill } from '../a2a/skill.ts'
import { removeThousandsSeparators } from './normalize-expression.ts'
import { countPrimes, MAX_PRIME_LIMIT } from './primes.ts'

export const COUNT_PRIMES_SKILL_ID = 'count_primes'

/** Progress goes out at most this often, so a long count streams without flooding. */
const PROGRESS_INTERVAL_MS = 250

const countPrimesInput = z.object({
  limit: z
    .number({ error: 'limit is required: a whole number such as 1000000' })
    .int('limit must be a whole number')
    .min(0, 'limit must not be negative')
    .max(MAX_PRIME_LIMIT, `limit must be at most ${MAX_PRIME_LIMIT} (10^10)`),
})

export type CountPrimesInput = z.infer<typeof countPrimesInput>

const PRIMES_WORD = /\bprimes?\b/i
const DIGIT = /\d/g
/**
 * A limit as written, from its first digit: "1,000,000", "10 ** 6", "2.5e6". Its run of digits
 * and separators is taken whole (`(?![\d,_ ])`), as it always was, the rest being optional: the
 * spaces it ends in are not handed back one by one to the `\s*` before a power.
 */
const LIMIT_AT = /\d[\d,_ ]*(?![\d,_ ])(?:\.\d+)?(?:\s*(?:\^|\*\*|e)\s*\d+)?/iy

/**
 * "count the primes up to 10^7", "how many primes below 1,000,000?" -> the limit's text (the
 * first number after the first "prime(s)") and where it ends. Two scans forward: as one pattern
 * (`\bprimes?\b\D*?(\d…)`), each "primes" of a text with no digit after it was a start from
 * which the rest was scanned, 2.5 s for 280 KB of "primes primes …".
 */
const limitInText = (text: string): { written: string; end: number } | undefined => {
  const word = PRIMES_WORD.exec(text)
  if (!word) return undefined
  DIGIT.lastIndex = word.index + word[0].length
  const digit = DIGIT.exec(text)
  if (!digit) return undefined
  LIMIT_AT.lastIndex = digit.index
  const written = LIMIT_AT.exec(text)?.[0] as string
  return { written, end: digit.index + written.length }
}

/**
 * The number limitInText found, as the calculator reads it (a comma only between groups of
 * three digits, `^`, `**` or `e` for a power) but exactly, without its rounding to 10
 * significant digits: "1,000,000", "10^6", "10**6", "2.5e6". Read here rather than by the
 * calculator, so that routing a text to this skill needs no mathjs. NaN for anything else
 * ("1,5" is not 15).
 */
export function limitFromText(written: string): number {
  const joined = written.replaceAll(/[\s_]/g, '')
  // Trailing commas dropped from the end back (`/,+$/` scanned on from every comma of a run).
  let end = joined.length
  while (end > 0 && joined.charAt(end - 1) === ',') end--
  const compact = removeThousandsSeparators(joined.slice(0, end))
  const number = /^(\d+(?:\.\d+)?)(?:(\^|\*\*|e)(\d+))?$/i.exec(compact)
  if (!number) return Number.NaN
  const [, base, power, exponent] = number
  if (power === undefined) return Number(base)
  return power.toLowerCase() === 'e'
    ? Number(`${base}e${exponent}`)
    : Number(base) ** Number(exponent)
}

/** Whether a plain-text request asks for a prime count (the calculator routes it here). */
export function asksForPrimeCount(text: string): boolean {
  return limitInText(text) !== undefined
}

/**
 * Counts the primes up to a limit: real work whose time grows with the limit
 * (a segmented sieve), reported as `working` status updates while it runs and
 * stopped by a cancel within milliseconds. `{ limit }` in, "There are 78498
 * primes up to 1000000." out.
 */
export const countPrimesSkill: Skill<CountPrimesInput> = {
  id: COUNT_PRIMES_SKILL_ID,
  inputSchema: countPrimesInput,
  inputExample: { limit: 1_000_000 },
  inputFromText(text) {
    const found = limitInText(text)
    // "1.000.000", "2**0.5": the number goes on past what the pattern took, so no limit is guessed.
    const cut = found !== undefined && /^[.,]?\d/.test(text.slice(found.end, found.end + 2))
    return { limit: found === undefined || cut ? Number.NaN : limitFromText(found.written) }
  },
  workingMessage: ({ limit }) =>
    Number.isNaN(limit) ? 'Reading the limit…' : `Counting the primes up to ${limit}…`,
  async run({ limit }, work) {
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_PRIME_LIMIT) {
      const asked = Number.isNaN(limit) ? 'without a limit I can read' : `up to ${limit}`
      return {
        ok: false,
        problem: `Cannot count primes ${asked}: the limit must be a whole number from 0 to ${MAX_PRIME_LIMIT} (10^10). Try "count the primes up to 1000000".`,
      }
    }
    let primes = 0
    let reportedAt = performance.now()
    for await (const progress of countPrimes(limit, work?.signal)) {
      primes = progress.primes
      if (performance.now() - reportedAt >= PROGRESS_INTERVAL_MS && progress.countedUpTo < limit) {
        reportedAt = performance.now()
        const percent = Math.floor((progress.countedUpTo / limit) * 100)
        work?.progress(
          `Counted ${progress.primes} primes up to ${progress.countedUpTo} (${percent}%)…`,
          { ...progress, limit },
        )
      }
    }
    return {
      ok: true,
      textChunks: [`There are ${primes} primes `, `up to ${limit}.`],
      data: { limit, primes },
    }
  },
}
