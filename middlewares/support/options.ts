/**
 * Checks, once when a middleware is built, that `options[name]` is a function,
 * or an object whose `methods` are functions: a chain wired with a missing or
 * mistyped option fails at start-up naming it, not on some request later.
 *
 * @example
 * checkOption('routeMessage', options, 'choose')
 * checkOption('a2aErrors', options, 'logger', { methods: ['error', 'warn'] })
 * checkOption('a2aErrors', options, 'gatewayUrl', { optional: true })
 */
export const checkOption = (
  factory: string,
  options: unknown,
  name: string,
  rule: { methods?: string[]; optional?: boolean } = {},
): void => {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${factory}: options are required`)
  }
  const value = (options as Record<string, unknown>)[name]
  if (value === undefined && rule.optional) return
  const { methods } = rule
  if (!methods) {
    if (typeof value !== 'function') {
      throw new TypeError(`${factory}: options.${name} must be a function`)
    }
    return
  }
  const missing = methods.filter(
    (method) => typeof (value as Record<string, unknown> | undefined)?.[method] !== 'function',
  )
  if (missing.length > 0) {
    throw new TypeError(
      `${factory}: options.${name} must have ${methods.map((method) => `${method}()`).join(' and ')}`,
    )
  }
}
