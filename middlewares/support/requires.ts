/**
 * Which middleware sets each context key another middleware reads: the one
 * place a reader's error message learns what to add.
 */
export const contextProviders = {
  a2a: 'a2aRequest',
  agent: 'agentLookup',
  caller: 'verifiedCaller',
  trace: 'traceContext',
} as const

export type ProvidedKey = keyof typeof contextProviders

/**
 * A middleware was used without the one that sets what it reads: the chain is
 * wired wrong, which no request can fix. Thrown on the first request, it names
 * both middlewares and the context key between them.
 */
export class MiddlewareOrderError extends Error {
  constructor(reader: string, key: ProvidedKey) {
    const provider = contextProviders[key]
    super(
      `${reader} reads context.${key}, which ${provider} sets: use ${provider}() before ${reader}() in the chain.`,
    )
    this.name = 'MiddlewareOrderError'
  }
}

/**
 * What an earlier middleware put in the context under `key`, or a
 * `MiddlewareOrderError` naming that middleware when it is not there: the one
 * way a middleware reads another's key, so a missing one fails with a message
 * instead of a TypeError further on.
 *
 * @example
 * const a2a = requires(request.context, 'a2a', 'agentGrant')
 */
export const requires = <C extends Partial<Record<ProvidedKey, unknown>>, K extends ProvidedKey>(
  context: C,
  key: K,
  reader: string,
): NonNullable<C[K]> => {
  const value = context[key]
  if (value === undefined || value === null) throw new MiddlewareOrderError(reader, key)
  return value as NonNullable<C[K]>
}
