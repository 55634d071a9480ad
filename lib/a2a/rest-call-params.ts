import type { OperationName } from './operations.ts'
import { jsonName } from './proto-fields.ts'
import { queryParams, queryParamTypes, queryValue } from './query-params.ts'
import type { A2ACall } from './request.ts'

// An HTTP+JSON call read as the JSON-RPC params that mean the same: what task ownership reads of
// every HTTP+JSON call, and what a translated call is written from. Apart from the translation
// (lib/a2a/translate.ts), which is loaded only when a call needs it.

type Params = Record<string, unknown>

/** A query param's value as JSON carries it: an int32 as a number, else as a server reads it. */
const jsonValue = (name: string, value: string): unknown => {
  const type = queryParamTypes.get(jsonName(name))
  return type === 'int32' ? Number(value) : queryValue(type, value)
}

/**
 * A query's params, typed by what each is, whichever name (JSON or proto) it came by: those of
 * `operation`'s fields, as an HTTP+JSON server reads no other (as JSON-RPC, another would be a
 * param of the call).
 */
const fromQuery = (operation: OperationName, search: string): Params =>
  search === ''
    ? {}
    : Object.fromEntries(
        [...new URLSearchParams(search)]
          .filter(([name]) => Object.hasOwn(queryParams[operation], jsonName(name)))
          .map(([name, value]) => [name, jsonValue(name, value)]),
      )

/** Each operation's params from an HTTP+JSON call's body and path: its task id, a config's id. */
const paramsFromPath: Record<
  OperationName,
  (body: Params, taskId: string | undefined, configId: string | undefined) => Params
> = {
  SendMessage: (body) => body,
  SendStreamingMessage: (body) => body,
  GetTask: (_, taskId) => ({ id: taskId }),
  ListTasks: () => ({}),
  CancelTask: (body, taskId) => ({ ...body, id: taskId }),
  SubscribeToTask: (_, taskId) => ({ id: taskId }),
  CreateTaskPushNotificationConfig: (body, taskId) => ({ ...body, taskId }),
  GetTaskPushNotificationConfig: (_, taskId, configId) => ({ taskId, id: configId }),
  ListTaskPushNotificationConfigs: (_, taskId) => ({ taskId }),
  DeleteTaskPushNotificationConfig: (_, taskId, configId) => ({ taskId, id: configId }),
  GetExtendedAgentCard: () => ({}),
}

/** An HTTP+JSON call as the JSON-RPC params that mean the same. */
export const jsonRpcParamsFor = (call: A2ACall): Params => {
  const [fullPath = '', search = ''] = (call.restPath ?? '').replace(/^\/v1/, '').split('?')
  const path = call.tenant ? fullPath.slice(fullPath.indexOf('/', 1)) : fullPath
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent)
  const taskId = segments[1]?.replace(/:(cancel|subscribe)$/, '')
  const body = (call.params ?? {}) as Params
  return {
    ...fromQuery(call.operation, search),
    ...paramsFromPath[call.operation](body, taskId, segments[3]),
    ...(call.tenant ? { tenant: call.tenant } : {}),
  }
}
