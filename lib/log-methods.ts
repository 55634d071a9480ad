/**
 * A logger's methods as the middlewares call them: a message and its attributes. Powertools'
 * `Logger`, `console` and most loggers fit, and the kit's typings name no logger package.
 */
export type LogMethods<Level extends 'error' | 'warn' | 'info'> = Record<
  Level,
  (message: string, attributes: Record<string, unknown>) => void
>
