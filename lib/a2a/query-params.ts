import type {
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTasksRequest,
  SubscribeToTaskRequest,
} from '@a2a-js/sdk'
import type { OperationName } from './operations.ts'

/**
 * What an HTTP+JSON query param holds, as the proto types its field. A query spells every value
 * as a string; in JSON (a JSON-RPC agent's params) ProtoJSON writes an int32 as a number and a
 * bool as `true` or `false`, but an enum by its name and a timestamp in RFC 3339, both strings
 * (the spec's "Field Type Handling", section 11.5).
 */
export type QueryParamType = 'int32' | 'bool' | 'string' | 'enum' | 'timestamp'

/** The types a field the SDK types as `V` may have: the SDK keeps an enum as its number. */
type QueryTypesOf<V> = V extends boolean
  ? 'bool'
  : V extends number
    ? 'int32' | 'enum'
    : V extends string
      ? 'string' | 'timestamp'
      : never

/**
 * The query params of the SDK's request type `T`: every field but its path's and the tenant
 * (the `/{tenant}/…` route's), since the proto's HTTP rules leave a GET's other fields to the query.
 */
type QueryParamsOf<T, InPath extends keyof T = never> = {
  [K in Exclude<keyof T, InPath | 'tenant'>]-?: QueryTypesOf<NonNullable<T[K]>>
}

/**
 * Each A2A 1.0 operation's HTTP+JSON query params and their types, from the spec's proto
 * (`a2a.proto`): the one list that reading a query (`restParams`) and translating it to
 * JSON-RPC (`jsonRpcParamsFor`) go by. Each bodiless operation's entry `satisfies` the SDK's
 * type for its request, so a field the SDK adds, renames or retypes does not compile until
 * this says how a query carries it.
 */
export const queryParams: Readonly<
  Record<OperationName, Readonly<Record<string, QueryParamType>>>
> = {
  // A POST's params are its body's.
  SendMessage: {},
  SendStreamingMessage: {},
  GetTask: { historyLength: 'int32' } satisfies QueryParamsOf<GetTaskRequest, 'id'>,
  ListTasks: {
    contextId: 'string',
    status: 'enum',
    pageSize: 'int32',
    pageToken: 'string',
    historyLength: 'int32',
    statusTimestampAfter: 'timestamp',
    includeArtifacts: 'bool',
  } satisfies QueryParamsOf<ListTasksRequest>,
  CancelTask: {},
  SubscribeToTask: {} satisfies QueryParamsOf<SubscribeToTaskRequest, 'id'>,
  CreateTaskPushNotificationConfig: {},
  GetTaskPushNotificationConfig: {} satisfies QueryParamsOf<
    GetTaskPushNotificationConfigRequest,
    'taskId' | 'id'
  >,
  ListTaskPushNotificationConfigs: {
    pageSize: 'int32',
    pageToken: 'string',
  } satisfies QueryParamsOf<ListTaskPushNotificationConfigsRequest, 'taskId'>,
  DeleteTaskPushNotificationConfig: {} satisfies QueryParamsOf<
    DeleteTaskPushNotificationConfigRequest,
    'taskId' | 'id'
  >,
  GetExtendedAgentCard: {} satisfies QueryParamsOf<GetExtendedAgentCardRequest>,
}

/**
 * Each query param's type by its JSON name, whichever operation names it: a name has the same
 * type in every operation that takes it (`pageSize`, `historyLength`).
 *
 * @example
 * queryParamTypes.get('includeArtifacts') // 'bool'
 */
export const queryParamTypes: ReadonlyMap<string, QueryParamType> = new Map(
  Object.values(queryParams).flatMap((params) => Object.entries(params)),
)

/**
 * A query value as a server reads it: a bool's `true` or `false` as that boolean, an enum given
 * by its number as that number (ProtoJSON reads an enum by name or number, never as a number in a
 * string; the SDK's REST server takes `status=2`); anything else the string it is, which the
 * params schemas read (an int32 as a decimal string) or refuse.
 *
 * @example
 * queryValue('enum', '2') // 2
 */
export const queryValue = (type: QueryParamType | undefined, value: string): unknown => {
  if (type === 'bool' && (value === 'true' || value === 'false')) return value === 'true'
  if (type === 'enum' && /^-?\d+$/.test(value)) return Number(value)
  return value
}
