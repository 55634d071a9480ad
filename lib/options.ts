import * as z from 'zod'

/**
 * A check of one option and the one message a wrong value gets: a consumer in plain JavaScript
 * (no types to stop them) learns at start-up what to pass, not from a TypeError on every request.
 */
const rule = (test: (value: unknown) => boolean, message: string) =>
  z.custom((value) => test(value), { error: message })

const isFunction = (value: unknown) => typeof value === 'function'
const isText = (value: unknown) => typeof value === 'string' && value !== ''
const isInteger = (value: unknown): value is number => Number.isInteger(value)

export const optionRules = {
  text: () => rule(isText, 'must be a non-empty string'),
  /** Any string, the empty one too (a prefix that may be none). */
  string: () => rule((value) => typeof value === 'string', 'must be a string'),
  url: () => rule((value) => typeof value === 'string' && URL.canParse(value), 'must be a URL'),
  positiveInteger: () =>
    rule((value) => isInteger(value) && value > 0, 'must be a positive integer'),
  integerFrom: (min: number, max: number) =>
    rule(
      (value) => isInteger(value) && value >= min && value <= max,
      `must be an integer from ${min} to ${max}`,
    ),
  /** An array, never a string: `'a-b'.includes('a')` would let a substring through. */
  texts: () =>
    rule(
      (value) => Array.isArray(value) && value.every(isText),
      'must be an array of non-empty strings',
    ),
  function: () => rule(isFunction, 'must be a function'),
  object: () => rule((value) => typeof value === 'object' && value !== null, 'must be an object'),
  /** An object whose `methods` are functions: an adapter, a client or a logger. */
  methods: (...methods: string[]) =>
    rule(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        methods.every((method) => isFunction((value as Record<string, unknown>)[method])),
      `must have ${methods.map((method) => `${method}()`).join(' and ')}`,
    ),
  oneOf: (...values: string[]) =>
    rule(
      (value) => values.includes(value as string),
      `must be ${values.map((value) => `'${value}'`).join(' or ')}`,
    ),
  /** What `test` says, with the message given: a rule of one option's own. */
  custom: rule,
}

/**
 * Checks `options` against `shape` once, when `owner` (a factory or constructor) runs, and
 * throws a TypeError naming it and the first wrong option: "rateLimit: options.subject must be
 * a function". A name the shape does not know is refused too (a misspelt `allowedClientID`
 * would otherwise turn the allow-list off without a word). Only checks: the options are used as
 * given (functions, clients, loggers). `label` names them in the message when they are not one
 * options object (a constructor's positional arguments).
 *
 * @example
 * checkOptions('rateLimit', options, { limiter: optionRules.methods('consume'), subject: optionRules.function() })
 */
export const checkOptions = (
  owner: string,
  options: unknown,
  shape: Record<string, z.ZodType>,
  label = 'options.',
): void => {
  if (typeof options !== 'object' || options === null) {
    const required = Object.keys(shape).filter((name) => !shape[name]?.safeParse(undefined).success)
    throw new TypeError(
      required.length > 0
        ? `${owner}: options are required (${required.join(', ')})`
        : `${owner}: options must be an object`,
    )
  }
  // A schema made for one parse: compiling zod's fast path for it (`new Function`) would cost
  // more than the parse, at import, where each middleware checks its options (issue 20).
  const checked = z.strictObject(shape).safeParse(options, { jitless: true })
  if (checked.success) return
  const [issue] = checked.error.issues
  if (issue?.code === 'unrecognized_keys') {
    throw new TypeError(`${owner}: ${label}${issue.keys[0]} is not an option of ${owner}`)
  }
  // The option's own name: an array's element or a refinement's path says no more.
  throw new TypeError(`${owner}: ${label}${String(issue?.path[0])} ${issue?.message}`)
}
