/**
 * A whole number with a comma between each three digits, as `toLocaleString('en-US')` writes
 * it, without Intl: a process's first `toLocaleString` loads ICU's number formats (20 to 80 ms
 * on a 2-core machine), and the modules that word a limit do it at import, so every cold start
 * paid for it (issue 20). Any other number is left to `toLocaleString`.
 *
 * @example
 * withThousands(65536) // '65,536'
 */
export const withThousands = (count: number): string =>
  Number.isSafeInteger(count) && !Object.is(count, -0)
    ? String(count).replace(/\B(?=(\d{3})+$)/g, ',')
    : count.toLocaleString('en-US')
