import type {
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTasksRequest,
  Message,
  Part,
  AuthenticationInfo as SdkAuthenticationInfo,
  TaskPushNotificationConfig as SdkTaskPushNotificationConfig,
  SendMessageConfiguration,
  SendMessageRequest,
  SubscribeToTaskRequest,
} from '@a2a-js/sdk'
import * as z from 'zod'
import { givenMoreThanOnce } from '../http/query.ts'
import { isJsonObject as isObject } from '../json-object.ts'
import { type OperationName, operationNames } from './operations.ts'
import { jsonName, spellingsDisagree } from './proto-fields.ts'
import { Role, TaskState } from './protocol-values.ts'
import { queryParamTypes, queryValue } from './query-params.ts'

/**
 * The A2A 1.0 request params as zod schemas: the one source the gateway checks
 * both bindings against before it forwards anything. They follow the spec's
 * proto (`a2a.proto`, `lf.a2a.v1`) read as ProtoJSON: camelCase names (the
 * proto's snake_case ones accepted too), `null` read as absent, int32 as a
 * number or a decimal string, enums by name or number, timestamps in RFC 3339.
 * Fields the proto marks REQUIRED are required; the ranges the spec states in
 * words (historyLength >= 0, ListTasks pageSize 1..100) are checked. Fields A2A
 * does not define are let through, for extensions and newer clients.
 *
 * Each shape is checked against the SDK's own type for the message: a field
 * the SDK renames or drops, or one misspelt here, does not compile; enum names
 * come from the SDK's enums.
 */

/** One field a request got wrong, as google.rpc.BadRequest names it. */
export interface FieldViolation {
  /** The field's path in the params, e.g. `message.parts[0].text`; '' for the params themselves. */
  field: string
  /** What is wrong with it, in words: `must be a non-negative integer, got -1`. */
  description: string
}

/** A zod shape holding exactly the fields of the SDK's type `T`. */
type ShapeOf<T> = { [K in keyof T]-?: z.ZodType }

type Check = (value: unknown) => boolean

/** A scalar field that may be absent (ProtoJSON reads `null` as absent too). */
const optional = (expectation: string, accepts: Check) =>
  z.custom((value) => value === null || accepts(value), { error: expectation }).optional()

/** A scalar field that must be present. */
const required = (expectation: string, accepts: Check) =>
  z.custom((value) => value !== undefined && value !== null && accepts(value), {
    error: (issue) =>
      issue.input === undefined || issue.input === null ? 'is required' : expectation,
  })

const isString: Check = (value) => typeof value === 'string'
const isNonEmptyString: Check = (value) => typeof value === 'string' && value !== ''
const isBoolean: Check = (value) => typeof value === 'boolean'
const isStringList: Check = (value) => Array.isArray(value) && value.every(isString)
/** ProtoJSON bytes: base64, standard or URL-safe, padding optional. */
const isBase64: Check = (value) =>
  typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) && value.length % 4 !== 1
const isAbsoluteUrl: Check = (value) => typeof value === 'string' && URL.canParse(value)
/** RFC 3339, as ProtoJSON writes a google.protobuf.Timestamp. */
const isTimestamp: Check = (value) =>
  typeof value === 'string' &&
  /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.test(value) &&
  !Number.isNaN(Date.parse(value))

/** An int32 as ProtoJSON takes it (a number, or a decimal string) within `min`..`max`. */
const int32In =
  (min: number, max = 2 ** 31 - 1): Check =>
  (value) => {
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^-?\d+$/.test(value)
          ? Number(value)
          : Number.NaN
    return Number.isInteger(number) && number >= min && number <= max
  }

/** A proto enum by name or number, from the SDK's enum (without its UNRECOGNIZED). */
const enumOf = (sdkEnum: Record<string, string | number>, except: string[] = []) => {
  const entries = Object.entries(sdkEnum).filter(
    ([name, value]) =>
      typeof value === 'number' && value >= 0 && !except.includes(name) && name !== 'UNRECOGNIZED',
  )
  const names = new Set(entries.map(([name]) => name))
  const numbers = new Set(entries.map(([, value]) => value))
  return {
    expectation: `must be one of ${[...names].join(', ')}`,
    accepts: (value: unknown) =>
      (typeof value === 'string' && names.has(value)) ||
      (typeof value === 'number' && numbers.has(value)),
  }
}

const string = optional('must be a string', isString)
const id = required('must be a non-empty string', isNonEmptyString)
const boolean = optional('must be true or false', isBoolean)
const struct = optional('must be an object', isObject)
const stringList = optional('must be an array of strings', isStringList)
const historyLength = optional('must be a non-negative integer', int32In(0))
const role = enumOf(Role, ['ROLE_UNSPECIFIED'])
const taskState = enumOf(TaskState)

/**
 * A proto message: an object whose fields are `shape`'s, reached by their JSON
 * (camelCase) names or, as ProtoJSON allows, by the proto's snake_case ones. A
 * field given under both with different values is refused: an agent's parser
 * takes one (@a2a-js/sdk the JSON name's) or refuses both, and the one the
 * gateway did not check could be the one read.
 */
const protoMessage = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.preprocess(
    (value, context) => {
      if (!isObject(value)) return value
      // Copied only when a field is renamed: most calls spell every field by its JSON name.
      let renamed: Record<string, unknown> | undefined
      for (const name in value) {
        if (!Object.hasOwn(value, name)) continue
        const named = jsonName(name)
        // Own properties only: `to_string` is no spelling of Object.prototype's `toString`.
        if (named === name || !Object.hasOwn(shape, named)) continue
        const field = value[name]
        if (!Object.hasOwn(value, named)) {
          renamed ??= { ...value }
          delete renamed[name]
          renamed[named] = field
          continue
        }
        if (
          spellingsDisagree([
            [named, value[named]],
            [name, field],
          ])
        ) {
          context.addIssue({
            code: 'custom',
            message: `is given twice, as ${named} (${shown(value[named])}) and ${name} (${shown(field)}): give one`,
            path: [named],
            params: { showsInput: true },
          })
        }
      }
      return renamed ?? value
    },
    z.looseObject(shape, {
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be an object'),
    }),
  )

const partContents = ['text', 'raw', 'url', 'data'] as const satisfies readonly NonNullable<
  Part['content']
>['$case'][]
type PartFields = Exclude<keyof Part, 'content'> | NonNullable<Part['content']>['$case']

/** A part carries exactly one content: text, raw bytes, a url or data (proto `oneof content`). */
const part = protoMessage({
  text: string,
  raw: optional('must be base64-encoded bytes', isBase64),
  url: string,
  data: z.unknown().optional(),
  metadata: struct,
  filename: string,
  mediaType: string,
} satisfies { [K in PartFields]-?: z.ZodType }).superRefine((value, context) => {
  const carried = partContents.filter((name) => value[name] !== undefined && value[name] !== null)
  if (carried.length !== 1) {
    context.addIssue({
      code: 'custom',
      message: 'must carry exactly one of text, raw, url or data',
      input: value,
    })
  }
})

/**
 * The most violations a refusal lists: a call of 100,000 wrong parts is told of the first ten
 * and that there are more, where it was answered a sentence per part, twice (message and details).
 */
export const maxListedViolations = 10

/**
 * A message's parts, checked one by one until one more is wrong than a refusal lists: the rest
 * cannot change the answer. Checked to the end, 480,000 wrong parts (a 5.8 MB body) took 2.7 s
 * and 600 MB of issues, more than twice a valid body of that size.
 */
const partList = z
  .custom<unknown[]>((value) => Array.isArray(value), {
    error: (issue) =>
      issue.input === undefined || issue.input === null
        ? 'is required'
        : 'must be an array of parts',
  })
  .superRefine((parts, context) => {
    if (parts.length === 0) {
      context.addIssue({
        code: 'custom',
        message: 'must hold at least one part',
        input: parts,
      })
    }
    let wrong = 0
    for (const [index, value] of parts.entries()) {
      const checked = z.safeParse(part, value, { reportInput: true })
      if (checked.success) continue
      for (const issue of checked.error.issues) {
        context.addIssue({ ...issue, path: [index, ...issue.path] })
      }
      wrong += 1
      if (wrong > maxListedViolations) return
    }
  })

const message = protoMessage({
  messageId: id,
  contextId: string,
  taskId: string,
  role: required(role.expectation, role.accepts),
  parts: partList,
  metadata: struct,
  extensions: stringList,
  referenceTaskIds: stringList,
} satisfies ShapeOf<Message>)

const authenticationInfo = protoMessage({
  scheme: id,
  credentials: string,
} satisfies ShapeOf<SdkAuthenticationInfo>)

const pushConfigFields = {
  tenant: string,
  id: string,
  taskId: string,
  url: required('must be an absolute URL', isAbsoluteUrl),
  token: string,
  authentication: authenticationInfo.nullish(),
} satisfies ShapeOf<SdkTaskPushNotificationConfig>

const sendMessageFields = {
  tenant: string,
  message,
  configuration: protoMessage({
    acceptedOutputModes: stringList,
    taskPushNotificationConfig: protoMessage(pushConfigFields).nullish(),
    historyLength,
    returnImmediately: boolean,
  } satisfies ShapeOf<SendMessageConfiguration>).nullish(),
  metadata: struct,
} satisfies ShapeOf<SendMessageRequest>

const taskIdentified = { tenant: string, id }
const pushConfigIdentified = { tenant: string, taskId: id, id }

/** Each A2A 1.0 operation's fields (JSON-RPC `params`; HTTP+JSON path, query and body together). */
const shapes: Readonly<Record<OperationName, z.core.$ZodLooseShape>> = {
  SendMessage: sendMessageFields,
  SendStreamingMessage: sendMessageFields,
  GetTask: { ...taskIdentified, historyLength } satisfies ShapeOf<GetTaskRequest>,
  ListTasks: {
    tenant: string,
    contextId: string,
    status: optional(taskState.expectation, taskState.accepts),
    pageSize: optional('must be an integer from 1 to 100', int32In(1, 100)),
    pageToken: string,
    historyLength,
    statusTimestampAfter: optional(
      'must be an RFC 3339 timestamp such as 2023-10-27T10:00:00Z',
      isTimestamp,
    ),
    includeArtifacts: boolean,
  } satisfies ShapeOf<ListTasksRequest>,
  CancelTask: { ...taskIdentified, metadata: struct } satisfies ShapeOf<CancelTaskRequest>,
  SubscribeToTask: taskIdentified satisfies ShapeOf<SubscribeToTaskRequest>,
  // The proto leaves taskId optional in the config itself, but creating one must name its task.
  CreateTaskPushNotificationConfig: { ...pushConfigFields, taskId: id },
  GetTaskPushNotificationConfig:
    pushConfigIdentified satisfies ShapeOf<GetTaskPushNotificationConfigRequest>,
  ListTaskPushNotificationConfigs: {
    tenant: string,
    taskId: id,
    pageSize: optional('must be a non-negative integer', int32In(0)),
    pageToken: string,
  } satisfies ShapeOf<ListTaskPushNotificationConfigsRequest>,
  DeleteTaskPushNotificationConfig:
    pushConfigIdentified satisfies ShapeOf<DeleteTaskPushNotificationConfigRequest>,
  GetExtendedAgentCard: { tenant: string } satisfies ShapeOf<GetExtendedAgentCardRequest>,
}

const schemas = new Map(
  operationNames.map((operation) => [operation, protoMessage(shapes[operation])]),
)

/** A value as an error message shows it: short, and never a whole object. */
export const shown = (value: unknown): string => {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array'
  if (isObject(value)) {
    const names = Object.keys(value)
    if (names.length === 0) return 'an empty object'
    const listed = names.slice(0, 5).join(', ')
    return `an object with ${listed}${names.length > 5 ? ', ...' : ''}`
  }
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const fieldPath = (path: readonly PropertyKey[]) =>
  path
    .map((step, index) =>
      typeof step === 'number' ? `[${step}]` : `${index === 0 ? '' : '.'}${String(step)}`,
    )
    .join('')

/**
 * What is wrong with an A2A 1.0 operation's params, field by field; empty when
 * they are valid. Absent params are read as `{}` (every field absent).
 *
 * @example
 * paramsViolations('GetTask', { id: 't-1', historyLength: -1 })
 * // [{ field: 'historyLength', description: 'must be a non-negative integer, got -1' }]
 */
export const paramsViolations = (operation: OperationName, params: unknown): FieldViolation[] => {
  if (params !== undefined && params !== null && !isObject(params)) {
    return [{ field: '', description: `must be an object, got ${shown(params)}` }]
  }
  const schema = schemas.get(operation) ?? protoMessage(shapes[operation])
  const result = z.safeParse(schema, params ?? {}, { reportInput: true })
  if (result.success) return []
  return result.error.issues.map((issue) => ({
    field: fieldPath(issue.path),
    description:
      issue.message === 'is required' || (issue.code === 'custom' && issue.params?.showsInput)
        ? issue.message
        : `${issue.message}, got ${shown(issue.input)}`,
  }))
}

/**
 * The query's AWS signing parameters (`X-Amz-*`, a presigned request's), in a call of either
 * version: forwarded, they would meet the signature the gateway adds for an AWS agent.
 */
export const signingQueryViolations = (query: string | undefined): FieldViolation[] =>
  // Most calls have no query, and hardly any names one: parsed only then (or when escaped).
  !query || !/x-amz-|%/i.test(query)
    ? []
    : [...new Set(new URLSearchParams(query).keys())]
        .filter((name) => /^x-amz-/i.test(name))
        .map((name) => ({
          field: name,
          description:
            "is AWS's request signing's (SigV4 in the query), no A2A field; the gateway signs what it sends itself",
        }))

/**
 * An HTTP+JSON call's params as one object, the way a server reads them: the
 * query's parameters, then the body's fields, then the path's (task id, config
 * id, tenant), which name the resource: a body field that names another is a
 * violation. Query values stay the strings they are (the schemas take an int32
 * as a decimal string), except booleans and enums by number (`queryValue`). A field
 * of the operation's that the query repeats (under either of its names) is a
 * violation of its own.
 *
 * @example
 * restParams({ operation: 'GetTask', path: { id: 't-1' }, query: 'historyLength=2', body: undefined })
 * // { params: { historyLength: '2', id: 't-1' }, violations: [] }
 */
export const restParams = (parts: {
  operation: OperationName
  path: Record<string, string>
  query: string | undefined
  body: unknown
}): { params: Record<string, unknown>; violations: FieldViolation[] } => {
  const fromQuery: Record<string, unknown> = {}
  const counts = new Map<string, number>()
  for (const [name, value] of new URLSearchParams(parts.query ?? '')) {
    // A field is the same under its JSON name and its proto name (`page_size`).
    const named = jsonName(name)
    const count = (counts.get(named) ?? 0) + 1
    counts.set(named, count)
    // Refused below as repeated: its other values need no second refusal.
    if (count > 1) continue
    fromQuery[name] = queryValue(queryParamTypes.get(named), value)
  }
  const violations = [...counts]
    .filter(([name, count]) => count > 1 && name in shapes[parts.operation])
    .map(([name, count]) => ({
      field: name,
      description: givenMoreThanOnce(count),
    }))

  const body = isObject(parts.body) ? parts.body : {}
  // The path names the resource; a body naming another could be read by an agent instead.
  const conflicts = Object.entries(parts.path)
    .filter(([name, value]) => body[name] !== undefined && body[name] !== value)
    .map(([name, value]) => ({
      field: name,
      description: `must match the path's ${shown(value)}, got ${shown(body[name])}`,
    }))
  return {
    params: { ...fromQuery, ...body, ...parts.path },
    violations: [...violations, ...conflicts],
  }
}

/**
 * The violations in words, one sentence per field: `params.historyLength must
 * be a non-negative integer, got -1` (JSON-RPC names fields below `params`;
 * HTTP+JSON by their own names, as its query and body spell them).
 */
export const violationsMessage = (violations: FieldViolation[], prefix: 'params' | '') =>
  violations
    .map(({ field, description }) => {
      const name = prefix && field ? `${prefix}.${field}` : prefix || field
      return `${name} ${description}`
    })
    .join('; ')
