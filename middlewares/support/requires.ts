/**
 * Which middleware sets each context key another middleware reads, and what to add before the
 * reader: the one place a reader's error message learns it. `context.caller` has two sources,
 * one per kind of Lambda, and the message names both: behind the gateway's authorizer
 * `verifiedCaller` sets it, in a team's own Lambda (where `verifiedCaller` refuses every
 * request, there being no authorizer) `jwtAuth` + `permissionLookup` do.
 */
export const contextProviders = {
  a2a: { setBy: 'a2aRequest', use: 'a2aRequest()' },
  agent: { setBy: 'agentLookup', use: 'agentLookup()' },
  caller: {
    setBy:
      "permissionLookup (after jwtAuth, in a team's own Lambda) or verifiedCaller (behind the gateway's authorizer)",
    use: 'jwtAuth() and permissionLookup(), or verifiedCaller(),',
  },
  jwtAuth: { setBy: 'jwtAuth', use: 'jwtAuth()' },
  trace: { setBy: 'traceContext', use: 'traceContext()' },
} as const

export type ProvidedKey = keyof typeof contextProviders

/**
 * A middleware was used without the one that sets what it reads: the chain is
 * wired wrong, which no request can fix. Thrown on the first request, it names
 * both middlewares and the context key between them.
 */
export class MiddlewareOrderError extends Error {
  constructor(reader: string, key: ProvidedKey) {
    const { setBy, use } = contextProviders[key]
    super(
      `${reader} reads context.${key}, which ${setBy} sets: use ${use} before ${reader}() in the chain.`,
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
