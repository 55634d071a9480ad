/**
 * The A2A operations: the one list that bindings, grants, rate limits and metrics
 * use. Names are A2A 1.0's (which are also its JSON-RPC method names); 0.3 names
 * and REST paths map onto them.
 */
export const operationNames = [
  'SendMessage',
  'SendStreamingMessage',
  'GetTask',
  'ListTasks',
  'CancelTask',
  'SubscribeToTask',
  'CreateTaskPushNotificationConfig',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfigs',
  'DeleteTaskPushNotificationConfig',
  'GetExtendedAgentCard',
] as const

export type OperationName = (typeof operationNames)[number]

export interface OperationSpec {
  /** Replies with an SSE stream of events. */
  streaming: boolean
  /** Reads only: sending it twice does no harm (so a refused credential may be renewed and the call retried). */
  safeToRepeat?: true
  /** The 0.3 JSON-RPC method, if 0.3 had the operation. */
  legacyMethod?: string
  /**
   * HTTP+JSON binding: method and path below the interface URL. Path parameters
   * bear the names of the request fields they fill, as in the proto's HTTP rules
   * (`{id}`, `{taskId}`).
   */
  rest: readonly { method: 'GET' | 'POST' | 'DELETE'; path: string }[]
  /** A 0.3 HTTP+JSON path (below `/v1`) that differs from the 1.0 one. */
  legacyRest?: readonly { method: 'GET' | 'POST' | 'DELETE'; path: string }[]
}

export const operations: Readonly<Record<OperationName, OperationSpec>> = {
  SendMessage: {
    streaming: false,
    legacyMethod: 'message/send',
    rest: [{ method: 'POST', path: '/message:send' }],
  },
  SendStreamingMessage: {
    streaming: true,
    legacyMethod: 'message/stream',
    rest: [{ method: 'POST', path: '/message:stream' }],
  },
  GetTask: {
    streaming: false,
    safeToRepeat: true,
    legacyMethod: 'tasks/get',
    rest: [{ method: 'GET', path: '/tasks/{id}' }],
  },
  ListTasks: { streaming: false, safeToRepeat: true, rest: [{ method: 'GET', path: '/tasks' }] },
  CancelTask: {
    streaming: false,
    legacyMethod: 'tasks/cancel',
    rest: [{ method: 'POST', path: '/tasks/{id}:cancel' }],
  },
  SubscribeToTask: {
    streaming: true,
    legacyMethod: 'tasks/resubscribe',
    rest: [
      { method: 'GET', path: '/tasks/{id}:subscribe' },
      { method: 'POST', path: '/tasks/{id}:subscribe' },
    ],
  },
  CreateTaskPushNotificationConfig: {
    streaming: false,
    legacyMethod: 'tasks/pushNotificationConfig/set',
    rest: [{ method: 'POST', path: '/tasks/{taskId}/pushNotificationConfigs' }],
  },
  GetTaskPushNotificationConfig: {
    streaming: false,
    safeToRepeat: true,
    legacyMethod: 'tasks/pushNotificationConfig/get',
    rest: [{ method: 'GET', path: '/tasks/{taskId}/pushNotificationConfigs/{id}' }],
  },
  ListTaskPushNotificationConfigs: {
    streaming: false,
    safeToRepeat: true,
    legacyMethod: 'tasks/pushNotificationConfig/list',
    rest: [{ method: 'GET', path: '/tasks/{taskId}/pushNotificationConfigs' }],
  },
  DeleteTaskPushNotificationConfig: {
    streaming: false,
    legacyMethod: 'tasks/pushNotificationConfig/delete',
    rest: [{ method: 'DELETE', path: '/tasks/{taskId}/pushNotificationConfigs/{id}' }],
  },
  GetExtendedAgentCard: {
    streaming: false,
    safeToRepeat: true,
    legacyMethod: 'agent/getAuthenticatedExtendedCard',
    rest: [{ method: 'GET', path: '/extendedAgentCard' }],
    legacyRest: [{ method: 'GET', path: '/card' }],
  },
}

export const isOperationName = (name: string): name is OperationName =>
  (operationNames as readonly string[]).includes(name)

const byLegacyMethod = new Map(
  operationNames.flatMap((name) => {
    const legacy = operations[name].legacyMethod
    return legacy ? [[legacy, name] as const] : []
  }),
)

/** The operation a JSON-RPC method names, in 1.0 or 0.3 spelling. */
export const operationForMethod = (
  method: string,
): { operation: OperationName; version: '1.0' | '0.3' } | undefined => {
  if (isOperationName(method)) return { operation: method, version: '1.0' }
  const legacy = byLegacyMethod.get(method)
  return legacy ? { operation: legacy, version: '0.3' } : undefined
}

const patternsOf = (select: (spec: OperationSpec) => OperationSpec['rest'] | undefined) =>
  operationNames.flatMap((name) =>
    (select(operations[name]) ?? []).map((rest) => ({
      operation: name,
      method: rest.method,
      pattern: new RegExp(`^${rest.path.replace(/\{([a-zA-Z]+)\}/g, '(?<$1>[^/:]+)')}$`),
    })),
  )

const restPatterns = patternsOf((spec) => spec.rest)
/** 0.3 paths: the 1.0 ones (0.3 had the same below `/v1`) and those 0.3 spelled otherwise. */
const legacyRestPatterns = [...restPatterns, ...patternsOf((spec) => spec.legacyRest)]

/**
 * The operation an HTTP+JSON request names. `path` is below the agent's base,
 * e.g. `/message:send`; a 0.3 `/v1` prefix is recognised and reported.
 */
export const operationForRestPath = (
  method: string,
  path: string,
): { operation: OperationName; version: '1.0' | '0.3'; tenant?: string } | undefined => {
  const legacy = path.startsWith('/v1/')
  const below = legacy ? path.slice(3) : path
  const match = (candidatePath: string, patterns = restPatterns) =>
    patterns.find(
      (candidate) =>
        candidate.method === method.toUpperCase() && candidate.pattern.test(candidatePath),
    )
  const found = match(below, legacy ? legacyRestPatterns : restPatterns)
  if (found) return { operation: found.operation, version: legacy ? '0.3' : '1.0' }
  // A 1.0 path may start with a tenant: /{tenant}/message:send. The path came
  // decoded once (its reader, `pathParameterOf`), so the tenant is taken as it is:
  // decoding again would read `%2541` as `A`, and throw on `%25ZZ`.
  const tenanted = /^\/([^/]+)(\/.+)$/.exec(path)
  const withTenant = tenanted && !legacy ? match(tenanted[2] as string) : undefined
  if (!withTenant) return undefined
  return {
    operation: withTenant.operation,
    version: '1.0',
    tenant: tenanted?.[1] as string,
  }
}

/**
 * The request fields an HTTP+JSON path below the agent fills (A2A 1.0 paths,
 * after any tenant): `/tasks/t-1/pushNotificationConfigs/c-1` gives
 * `{ taskId: 't-1', id: 'c-1' }`. Empty when the path names none.
 */
export const restPathParams = (operation: OperationName, path: string): Record<string, string> => {
  const found = restPatterns.find(
    (candidate) => candidate.operation === operation && candidate.pattern.test(path),
  )
  return { ...found?.pattern.exec(path)?.groups }
}
