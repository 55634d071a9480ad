import * as z from 'zod'

/**
 * The rules a middleware's or adapter's options are checked by, each with the one message a
 * wrong value gets: a consumer in plain JavaScript (no types to stop them) learns at start-up
 * what to pass, not from a TypeError on every request.
 */
const rule = <T extends z.ZodType>(schema: (error: { error: string }) => T, message: string) =>
  schema({ error: message })

export const optionRules = {
  text: () => rule((must) => z.string(must).min(1, must), 'must be a non-empty string'),
  url: () =>
    rule((must) => z.string(must).refine((value) => URL.canParse(value), must), 'must be a URL'),
  positiveInteger: () =>
    rule((must) => z.number(must).int(must).positive(must), 'must be a positive integer'),
  integerFrom: (min: number, max: number) =>
    rule(
      (must) => z.number(must).int(must).min(min, must).max(max, must),
      `must be an integer from ${min} to ${max}`,
    ),
  /** An array, never a string: `'a-b'.includes('a')` would let a substring through. */
  texts: () =>
    rule(
      (must) => z.array(z.string(must).min(1, must), must),
      'must be an array of non-empty strings',
    ),
  function: () =>
    rule(
      (must) =>
        z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', must),
      'must be a function',
    ),
  /** An object whose `methods` are functions: an adapter or a logger. */
  methods: (...methods: string[]) =>
    rule(
      (must) =>
        z.custom<object>(
          (value) =>
            typeof value === 'object' &&
            value !== null &&
            methods.every(
              (method) => typeof (value as Record<string, unknown>)[method] === 'function',
            ),
          must,
        ),
      `must have ${methods.map((method) => `${method}()`).join(' and ')}`,
    ),
  oneOf: <const T extends readonly [string, ...string[]]>(...values: T) =>
    rule(
      (must) => z.enum(values, must),
      `must be ${values.map((value) => `'${value}'`).join(' or ')}`,
    ),
}

/**
 * Checks `options` against `shape` once, when `owner` (a factory or constructor) runs, and
 * throws a TypeError naming it and the first wrong option: "rateLimit: options.subject must be
 * a function". Only checks: the options are used as given (functions, clients, loggers).
 *
 * @example
 * checkOptions('rateLimit', options, { limiter: optionRules.methods('consume'), subject: optionRules.function() })
 */
export const checkOptions = (
  owner: string,
  options: unknown,
  shape: Record<string, z.ZodType>,
): void => {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner}: options are required (${Object.keys(shape).join(', ')})`)
  }
  const checked = z.object(shape).safeParse(options)
  if (checked.success) return
  const [issue] = checked.error.issues
  // The option's own name: an array's element or a refinement's path says no more.
  throw new TypeError(`${owner}: options.${String(issue?.path[0])} ${issue?.message}`)
}
