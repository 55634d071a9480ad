import { asText, isKeptNumber } from '../json-kept-numbers.ts'
import { asJsonObject, isJsonObject as isObject, withoutUndefined } from '../json-object.ts'
import { keyShown } from '../json-paths.ts'
import type { OperationName } from './operations.ts'
import { fieldOf, jsonName, spellingsDisagree, spellingsOf } from './proto-fields.ts'
import { enumName, Role, TaskState } from './protocol-values.ts'
import {
  cardToVersion,
  type Dialect,
  taskOfConfigName,
  VersionTranslationError,
} from './versions.ts'

/**
 * A2A 0.3 ⇄ 1.0: the values of one version as the other's, for every
 * operation's params and answers, stream events and push configs (a card
 * answered is `cardToVersion`'s, in versions.ts). Pure: values in, values out.
 * 1.0 is the hub: a 0.3 value becomes 1.0, then whatever the other side speaks.
 * Loaded with the first translated call (across versions or bindings: translation.ts imports
 * it) or 0.3 message to /route, not at a cold start (issue 20's start budget).
 *
 * A2A 0.3 has two JSON dialects: its JSON-RPC binding speaks the spec's JSON
 * Schema (`kind`-tagged parts and results, `user`, `working`); its HTTP+JSON
 * binding the proto's JSON (`content`, `ROLE_USER`, `TASK_STATE_WORKING`,
 * wrapped results), which is close to 1.0's but not the same.
 */

type Json = Record<string, unknown>

const nonEmpty = (value: unknown) => (value === '' ? undefined : value)

const nonEmptyList = (value: unknown) =>
  Array.isArray(value) && value.length > 0 ? value : undefined

/**
 * The object with these fields under their JSON names only. ProtoJSON (1.0's JSON, and 0.3's
 * HTTP+JSON) may spell a field by its proto name (`return_immediately`), which a reader of JSON
 * names (0.3's JSON-RPC, and the converters below) never sees. A field whose spellings disagree
 * is refused, as the gateway refuses it wherever it reads one.
 */
const inJsonNames = (value: Json, ...jsonNames: string[]): Json => {
  const named = { ...value }
  for (const name of jsonNames) {
    const given = spellingsOf(value, name)
    if (given.every(([spelling]) => spelling === name)) continue
    if (spellingsDisagree(given)) {
      const spellings = given.map(([spelling]) => spelling).join(' and ')
      throw new VersionTranslationError(
        `One field is given twice, with different values (${spellings}); give it once.`,
      )
    }
    for (const [spelling] of given) delete named[spelling]
    named[name] = given[0]?.[1]
  }
  return named
}

// --- what translation adds --------------------------------------------------

/**
 * The most translating one object or list of an answer adds to its JSON, in bytes: a 1.0 part of
 * nothing (`{}`) becomes 0.3's wrapped data part, 71 bytes more, the largest of any; a message
 * gains a `kind` and a role, a status a longer state name.
 */
export const maxGrowthPerObject = 80

/**
 * Whether translating `value` to the other version could add more than `budget` bytes to its
 * JSON: it counts `maxGrowthPerObject` for each object, list and list item translation builds
 * anew, none inside a `data` or `metadata` value (carried as they are), and an object's `id` once
 * more (0.3's HTTP+JSON writes a push config's id twice, in its name and its config); it stops
 * once the count passes the budget. An answer of 3.4 million empty parts (10 MiB) translated into
 * 255 MB, in 8.5 s and 1.3 GB of memory. Numbers add nothing: translation reads the agent's
 * answer keeping each number JSON would write otherwise as written (`parseKeepingInexactNumbers`),
 * where until 7 December 2026 `1e20` came back as 21 digits and 10 MiB of them made 44 MB.
 *
 * @example
 * mayGrowPast({ parts: [{}, {}] }, 100) // true: three objects, 240 bytes at most
 */
export const mayGrowPast = (value: unknown, budget: number): boolean => {
  let growth = 0
  const rebuilt: unknown[] = [value]
  while (rebuilt.length > 0) {
    const next = rebuilt.pop()
    if (typeof next !== 'object' || next === null) continue
    // A number kept as written stands where an object may be made of it: counted as one.
    growth += maxGrowthPerObject
    if (growth > budget) return true
    if (isKeptNumber(next)) continue
    if (Array.isArray(next)) {
      // One by one: spread as arguments, a list of a million parts overflows the stack. An item
      // that is no object counts as one: a part, message or config given as `0` is made one.
      for (const item of next) {
        if (typeof item !== 'object' || item === null) growth += maxGrowthPerObject
        rebuilt.push(item)
      }
      continue
    }
    for (const [key, inner] of Object.entries(next)) {
      if (key === 'id' && (typeof inner !== 'object' || inner === null || isKeptNumber(inner))) {
        growth += Buffer.byteLength(JSON.stringify(inner) ?? '')
      }
      if (key !== 'data' && key !== 'metadata') rebuilt.push(inner)
    }
  }
  return growth > budget
}

// --- roles and task states -------------------------------------------------

const legacyStates = [
  'submitted',
  'working',
  'completed',
  'failed',
  'canceled',
  'input-required',
  'rejected',
  'auth-required',
] as const

/** `working` ⇄ `TASK_STATE_WORKING`; 0.3's `unknown` is 1.0's unspecified. */
export const taskStateToV1 = (state: unknown): string =>
  typeof state === 'string' && (legacyStates as readonly string[]).includes(state)
    ? `TASK_STATE_${state.replace('-', '_').toUpperCase()}`
    : 'TASK_STATE_UNSPECIFIED'

export const taskStateToV03 = (state: unknown): string => {
  const named = enumName(TaskState, state)
  const legacy = typeof named === 'string' ? named.replace(/^TASK_STATE_/, '') : ''
  const name = legacy.toLowerCase().replace('_', '-').replace('cancelled', 'canceled')
  return (legacyStates as readonly string[]).includes(name) ? name : 'unknown'
}

/** 0.3's proto (its HTTP+JSON) spells one state the British way. */
const stateToV1 = (dialect: Dialect, state: unknown) =>
  dialect === '0.3-jsonrpc'
    ? taskStateToV1(state)
    : state === 'TASK_STATE_CANCELLED'
      ? 'TASK_STATE_CANCELED'
      : state

const stateFromV1 = (dialect: Dialect, state: unknown) =>
  dialect === '0.3-jsonrpc'
    ? taskStateToV03(state)
    : dialect === '0.3-rest' && state === 'TASK_STATE_CANCELED'
      ? 'TASK_STATE_CANCELLED'
      : state

/** `user` ⇄ `ROLE_USER`, `agent` ⇄ `ROLE_AGENT`. */
export const roleToV1 = (role: unknown): string =>
  role === 'user' ? 'ROLE_USER' : role === 'agent' ? 'ROLE_AGENT' : 'ROLE_UNSPECIFIED'

export const roleToV03 = (role: unknown): string =>
  enumName(Role, role) === 'ROLE_USER' ? 'user' : 'agent'

// --- parts -----------------------------------------------------------------

/** 0.3 JSON-RPC's DataPart holds an object; 1.0 any value, so other values travel wrapped. */
const wrappedDataFlag = 'data_part_compat'

const partToV1 = (dialect: Dialect, part: unknown): Json => {
  const p = asJsonObject(part)
  const metadata = isObject(p.metadata) ? p.metadata : undefined
  if (dialect === '0.3-rest') {
    const file = inJsonNames(asJsonObject(p.file), 'fileWithUri', 'fileWithBytes', 'mimeType')
    if (typeof p.text === 'string') return withoutUndefined({ text: p.text, metadata })
    if (isObject(p.file)) {
      return withoutUndefined({
        ...(file.fileWithUri !== undefined
          ? { url: file.fileWithUri }
          : { raw: file.fileWithBytes }),
        mediaType: nonEmpty(file.mimeType),
        metadata,
      })
    }
    return withoutUndefined({ data: asJsonObject(p.data).data, metadata })
  }
  if (p.kind === 'text') return withoutUndefined({ text: p.text, metadata })
  if (p.kind === 'file') {
    const file = asJsonObject(p.file)
    return withoutUndefined({
      ...(file.uri !== undefined ? { url: file.uri } : { raw: file.bytes }),
      mediaType: file.mimeType,
      filename: file.name,
      metadata,
    })
  }
  if (p.kind === 'data') {
    if (metadata?.[wrappedDataFlag] === true) {
      const { [wrappedDataFlag]: _flag, ...rest } = metadata
      return withoutUndefined({
        data: asJsonObject(p.data).value,
        metadata: Object.keys(rest).length > 0 ? rest : undefined,
      })
    }
    return withoutUndefined({ data: p.data, metadata })
  }
  // The agent's words, cut short: the message reaches the caller and the call's access line.
  // `asText`: a kind of `1e20`, kept as written, threw in `String` (the gateway's own 500).
  throw new VersionTranslationError(`A 0.3 part has no known kind (${keyShown(asText(p.kind))}).`)
}

const partFromV1 = (dialect: Dialect, part: unknown): Json => {
  const p = inJsonNames(asJsonObject(part), 'mediaType')
  const metadata = isObject(p.metadata) ? p.metadata : undefined
  const file = p.url !== undefined || p.raw !== undefined
  if (dialect === '0.3-rest') {
    if (p.text !== undefined) return withoutUndefined({ text: p.text, metadata })
    if (file) {
      return withoutUndefined({
        file: withoutUndefined({
          ...(p.url !== undefined ? { fileWithUri: p.url } : { fileWithBytes: p.raw }),
          mimeType: p.mediaType,
        }),
        metadata,
      })
    }
    return withoutUndefined({
      data: { data: isObject(p.data) ? p.data : { value: p.data } },
      metadata,
    })
  }
  if (p.text !== undefined) return withoutUndefined({ kind: 'text', text: p.text, metadata })
  if (file) {
    return withoutUndefined({
      kind: 'file',
      file: withoutUndefined({
        ...(p.url !== undefined ? { uri: p.url } : { bytes: p.raw }),
        mimeType: nonEmpty(p.mediaType),
        name: nonEmpty(p.filename),
      }),
      metadata,
    })
  }
  if (isObject(p.data)) return withoutUndefined({ kind: 'data', data: p.data, metadata })
  return {
    kind: 'data',
    data: { value: p.data ?? null },
    metadata: { ...metadata, [wrappedDataFlag]: true },
  }
}

// --- messages, artifacts, tasks, events -----------------------------------

const partsKey = (dialect: Dialect) => (dialect === '0.3-rest' ? 'content' : 'parts')

const messageToV1 = (dialect: Dialect, message: unknown): Json => {
  const { kind: _kind, content: _content, parts: _parts, role, ...rest } = asJsonObject(message)
  const parts = asJsonObject(message)[partsKey(dialect)]
  return withoutUndefined({
    ...rest,
    role: dialect === '0.3-jsonrpc' ? roleToV1(role) : role,
    parts: Array.isArray(parts) ? parts.map((part) => partToV1(dialect, part)) : [],
  })
}

const messageFromV1 = (dialect: Dialect, message: unknown): Json => {
  const { parts, role, ...rest } = inJsonNames(
    asJsonObject(message),
    'messageId',
    'contextId',
    'taskId',
    'referenceTaskIds',
  )
  const converted = Array.isArray(parts) ? parts.map((part) => partFromV1(dialect, part)) : []
  if (dialect === '0.3-rest') return withoutUndefined({ ...rest, role, content: converted })
  return withoutUndefined({
    kind: 'message',
    ...rest,
    contextId: nonEmpty(rest.contextId),
    taskId: nonEmpty(rest.taskId),
    role: roleToV03(role),
    parts: converted,
  })
}

const artifactToV1 = (dialect: Dialect, artifact: unknown): Json => {
  const a = asJsonObject(artifact)
  return {
    ...a,
    parts: Array.isArray(a.parts) ? a.parts.map((part) => partToV1(dialect, part)) : [],
  }
}

const artifactFromV1 = (dialect: Dialect, artifact: unknown): Json => {
  const a = asJsonObject(artifact)
  return withoutUndefined({
    ...a,
    name: nonEmpty(a.name),
    description: nonEmpty(a.description),
    parts: Array.isArray(a.parts) ? a.parts.map((part) => partFromV1(dialect, part)) : [],
  })
}

const statusToV1 = (dialect: Dialect, status: unknown): Json => {
  const s = asJsonObject(status)
  return withoutUndefined({
    state: stateToV1(dialect, s.state),
    message: s.message === undefined ? undefined : messageToV1(dialect, s.message),
    timestamp: s.timestamp,
  })
}

const statusFromV1 = (dialect: Dialect, status: unknown): Json => {
  const s = asJsonObject(status)
  return withoutUndefined({
    state: stateFromV1(dialect, s.state),
    message: s.message === undefined ? undefined : messageFromV1(dialect, s.message),
    timestamp: nonEmpty(s.timestamp),
  })
}

const taskToV1 = (dialect: Dialect, task: unknown): Json => {
  const { kind: _kind, status, history, artifacts, ...rest } = asJsonObject(task)
  return withoutUndefined({
    ...rest,
    status: statusToV1(dialect, status),
    history: Array.isArray(history) ? history.map((m) => messageToV1(dialect, m)) : undefined,
    artifacts: Array.isArray(artifacts)
      ? artifacts.map((a) => artifactToV1(dialect, a))
      : undefined,
  })
}

const taskFromV1 = (dialect: Dialect, task: unknown): Json => {
  const { status, history, artifacts, ...rest } = asJsonObject(task)
  return withoutUndefined({
    ...(dialect === '0.3-jsonrpc' ? { kind: 'task' } : {}),
    ...rest,
    status: statusFromV1(dialect, status),
    history: nonEmptyList(history)?.map((m) => messageFromV1(dialect, m)),
    artifacts: nonEmptyList(artifacts)?.map((a) => artifactFromV1(dialect, a)),
  })
}

/** 0.3's `final` flag: the status update that ends the stream. */
const finalStates = new Set(['completed', 'canceled', 'failed', 'rejected'])

const statusUpdateFromV1 = (dialect: Dialect, event: unknown): Json => {
  const e = asJsonObject(event)
  const status = statusFromV1(dialect, e.status)
  const final = finalStates.has(taskStateToV03(asJsonObject(e.status).state))
  return dialect === '0.3-jsonrpc'
    ? withoutUndefined({ kind: 'status-update', ...e, status, final })
    : withoutUndefined({ ...e, status, final })
}

const artifactUpdateFromV1 = (dialect: Dialect, event: unknown): Json => {
  const e = asJsonObject(event)
  const artifact = artifactFromV1(dialect, e.artifact)
  return dialect === '0.3-jsonrpc'
    ? withoutUndefined({ kind: 'artifact-update', ...e, artifact })
    : withoutUndefined({ ...e, artifact })
}

/** 0.3 JSON-RPC's `kind` tags ⇄ 1.0's (and 0.3 HTTP+JSON's) wrapper fields. */
const eventKinds = {
  task: 'task',
  message: 'message',
  'status-update': 'statusUpdate',
  'artifact-update': 'artifactUpdate',
} as const

/**
 * A stream event or SendMessage result as 1.0's wrapped form:
 * `{ kind: 'status-update', ... }` becomes `{ statusUpdate: { ... } }`.
 */
export const streamResponseToV1 = (dialect: Dialect, value: unknown): Json => {
  const v = asJsonObject(value)
  if (dialect === '1.0') return v
  const [wrapper, inner] =
    dialect === '0.3-jsonrpc'
      ? // A string only: a kind of `1e20`, kept as written, threw as a key (the gateway's own 500).
        [typeof v.kind === 'string' ? eventKinds[v.kind as keyof typeof eventKinds] : undefined, v]
      : (Object.entries(v)[0] ?? [])
  const unwrapped = asJsonObject(inner)
  switch (wrapper === 'msg' ? 'message' : wrapper) {
    case 'task':
      return { task: taskToV1(dialect, unwrapped) }
    case 'message':
      return { message: messageToV1(dialect, unwrapped) }
    case 'statusUpdate': {
      const { kind: _kind, final: _final, status, ...rest } = unwrapped
      return { statusUpdate: { ...rest, status: statusToV1(dialect, status) } }
    }
    case 'artifactUpdate': {
      const { kind: _kind, artifact, ...rest } = unwrapped
      return { artifactUpdate: { ...rest, artifact: artifactToV1(dialect, artifact) } }
    }
    default:
      throw new VersionTranslationError('A 0.3 stream event is none of task, message or update.')
  }
}

/** A 1.0 stream event or SendMessage result in a 0.3 dialect. */
export const streamResponseFromV1 = (dialect: Dialect, value: unknown): Json => {
  const v = asJsonObject(value)
  if (dialect === '1.0') return v
  const wrap = (name: string, inner: Json) =>
    dialect === '0.3-jsonrpc' ? inner : { [name]: inner }
  if (v.task !== undefined) return wrap('task', taskFromV1(dialect, v.task))
  if (v.message !== undefined) return wrap('message', messageFromV1(dialect, v.message))
  if (v.statusUpdate !== undefined) {
    return wrap('statusUpdate', statusUpdateFromV1(dialect, v.statusUpdate))
  }
  if (v.artifactUpdate !== undefined) {
    return wrap('artifactUpdate', artifactUpdateFromV1(dialect, v.artifactUpdate))
  }
  throw new VersionTranslationError('A 1.0 stream event is none of task, message or update.')
}

// --- push notification configs --------------------------------------------

const authenticationToV1 = (authentication: unknown) => {
  if (!isObject(authentication)) return undefined
  const schemes = Array.isArray(authentication.schemes) ? authentication.schemes : []
  return withoutUndefined({ scheme: schemes[0] ?? '', credentials: authentication.credentials })
}

const authenticationFromV1 = (authentication: unknown) => {
  if (!isObject(authentication)) return undefined
  return withoutUndefined({
    schemes: authentication.scheme ? [authentication.scheme] : [],
    credentials: nonEmpty(authentication.credentials),
  })
}

/** A 0.3 PushNotificationConfig's fields as 1.0's (flat in 1.0's TaskPushNotificationConfig). */
const pushConfigToV1 = (config: unknown): Json => {
  const c = asJsonObject(config)
  return withoutUndefined({
    id: c.id,
    url: c.url,
    token: c.token,
    authentication: authenticationToV1(c.authentication),
  })
}

const pushConfigFromV1 = (config: Json): Json =>
  withoutUndefined({
    id: nonEmpty(config.id),
    url: config.url,
    token: nonEmpty(config.token),
    authentication: authenticationFromV1(config.authentication),
  })

/** 0.3's `{ taskId, pushNotificationConfig }` (or its REST `name`) as 1.0's flat config. */
const taskPushConfigToV1 = (dialect: Dialect, value: unknown): Json => {
  const v = asJsonObject(value)
  const fromName = typeof v.name === 'string' ? taskOfConfigName(v.name) : undefined
  const taskId = fieldOf(v, 'taskId')
  return withoutUndefined({
    taskId: dialect === '0.3-rest' ? (taskId ?? fromName) : taskId,
    ...pushConfigToV1(fieldOf(v, 'pushNotificationConfig')),
  })
}

/**
 * A 0.3 HTTP+JSON push config set's body: the config itself, as its proto's HTTP rule has it
 * (`body: "config"`, what the SDKs send), or wrapped as `{ config }`, as its specification's text
 * shows it, which was read as no config at all and reached the agent empty.
 */
const unwrappedConfig = (body: Json): Json => {
  const { config, ...rest } = body
  return config !== undefined && body.pushNotificationConfig === undefined
    ? { ...rest, ...asJsonObject(config) }
    : body
}

const taskPushConfigFromV1 = (dialect: Dialect, value: unknown): Json => {
  const v = asJsonObject(value)
  const config = pushConfigFromV1(v)
  const taskId = fieldOf(v, 'taskId')
  if (dialect === '0.3-rest') {
    // A config an agent answers without its task has no resource name to give: none, rather
    // than `tasks/undefined/...`.
    if (taskId === undefined || taskId === null) return { pushNotificationConfig: config }
    // `asText`: an id of `1e20`, kept as written, threw in `String` (the gateway's own 500).
    const name = `tasks/${asText(taskId)}/pushNotificationConfigs/${asText(v.id ?? '')}`
    return { name, pushNotificationConfig: config }
  }
  return { taskId, pushNotificationConfig: config }
}

/** The push configs a 1.0 answer of `operation` holds: its one config, or its list's. */
const configsAnswered = (operation: OperationName, result: unknown): unknown[] => {
  if (operation === 'ListTaskPushNotificationConfigs') {
    const configs = asJsonObject(result).configs
    return Array.isArray(configs) ? configs : []
  }
  return operation === 'CreateTaskPushNotificationConfig' ||
    operation === 'GetTaskPushNotificationConfig'
    ? [result]
    : []
}

/** A 1.0 config that names no task (`taskId` is optional in 1.0; ProtoJSON's unset is `""`). */
const namesNoTask = (config: unknown) => {
  const taskId = fieldOf(asJsonObject(config), 'taskId')
  return taskId === undefined || taskId === ''
}

/**
 * How many push configs in a 1.0 answer of `operation` name no task: each is given the call's
 * (`withTaskOfCall`), which a translation's bound must count, since the call's task id may be
 * long and the configs many.
 */
export const configsNamingNoTask = (operation: OperationName, result: unknown): number =>
  configsAnswered(operation, result).filter(namesNoTask).length

/**
 * A 1.0 push config answer whose configs each name a task: one the agent left out is the task
 * the call named. 1.0's `taskId` is optional, but 0.3 needs it: its JSON-RPC requires `taskId`,
 * and its HTTP+JSON clients read the task from the config's resource name (a2a-python's 0.3
 * client refuses a name that names none, `tasks/undefined/...` being read as a task
 * `undefined`).
 *
 * @example
 * withTaskOfCall('GetTaskPushNotificationConfig', { id: 'c', url: 'https://h' }, 't-1')
 * // { id: 'c', url: 'https://h', taskId: 't-1' }
 */
export const withTaskOfCall = (
  operation: OperationName,
  result: unknown,
  taskId: string,
): unknown => {
  const named = (config: unknown) => {
    if (!namesNoTask(config)) return config
    const { task_id: _given, taskId: _empty, ...rest } = asJsonObject(config)
    return { ...rest, taskId }
  }
  if (operation === 'ListTaskPushNotificationConfigs') {
    const configs = asJsonObject(result).configs
    return Array.isArray(configs)
      ? { ...asJsonObject(result), configs: configs.map(named) }
      : result
  }
  return configsAnswered(operation, result).length > 0 ? named(result) : result
}

// --- operations: params and results ---------------------------------------

/**
 * Where a 0.3 send's configuration holds its push config: `pushNotificationConfig` in 0.3's
 * JSON-RPC, `push_notification` in its proto (its HTTP+JSON), which is all its servers read there.
 */
const inlinePushConfigName = (dialect: Dialect) =>
  dialect === '0.3-rest' ? 'pushNotification' : 'pushNotificationConfig'

/** Either 0.3 name of the push config is read (one config at most: `withGatewayCallback`). */
const sendConfigurationToV1 = (configuration: unknown) => {
  if (!isObject(configuration)) return undefined
  const { blocking, pushNotificationConfig, pushNotification, ...rest } = inJsonNames(
    configuration,
    'pushNotificationConfig',
    'pushNotification',
  )
  const pushConfig = pushNotificationConfig ?? pushNotification
  return withoutUndefined({
    ...rest,
    taskPushNotificationConfig: pushConfig === undefined ? undefined : pushConfigToV1(pushConfig),
    // 0.3 blocks unless told not to; 1.0 blocks unless told to return at once.
    returnImmediately: blocking === false ? true : undefined,
  })
}

/**
 * Always says `blocking`: 1.0 blocks unless told otherwise, and 0.3 agents
 * differ on what an absent `blocking` means (the 1.x SDK's 0.3 layer returns at once).
 */
const sendConfigurationFromV1 = (dialect: Dialect, configuration: unknown) => {
  const { returnImmediately, taskPushNotificationConfig, ...rest } = inJsonNames(
    asJsonObject(configuration),
    'acceptedOutputModes',
    'historyLength',
    'returnImmediately',
    'taskPushNotificationConfig',
  )
  return withoutUndefined({
    ...rest,
    [inlinePushConfigName(dialect)]: isObject(taskPushNotificationConfig)
      ? pushConfigFromV1(taskPushNotificationConfig)
      : undefined,
    blocking: returnImmediately !== true,
  })
}

/** A 0.3 send's params as 1.0's: its message given as `message` or, 0.3's proto name, `request`. */
const sendParamsToV1 = (dialect: Dialect, params: Json): Json => {
  const { request, ...rest } = params
  return withoutUndefined({
    ...rest,
    message: messageToV1(dialect, params.message ?? request),
    configuration: sendConfigurationToV1(params.configuration),
  })
}

const sendParamsFromV1 = (dialect: Dialect, params: Json): Json => {
  const { tenant: _tenant, ...rest } = params
  return withoutUndefined({
    ...rest,
    message: messageFromV1(dialect, params.message),
    configuration: sendConfigurationFromV1(dialect, params.configuration),
  })
}

const withoutTenant = ({ tenant: _tenant, ...rest }: Json): Json => rest

/**
 * What 0.3 JSON-RPC params name otherwise: its push config calls name the task
 * `id` and the config `pushNotificationConfigId`; 1.0's `taskId` and `id`.
 */
const paramsToV1ByOperation: Record<OperationName, (dialect: Dialect, p: Json) => Json> = {
  SendMessage: sendParamsToV1,
  SendStreamingMessage: sendParamsToV1,
  GetTask: (_, { metadata: _metadata, ...rest }) => rest,
  ListTasks: (_, p) => p,
  CancelTask: (_, p) => p,
  // 0.3's HTTP+JSON body names the task as its proto's resource (`name`), which its path says.
  SubscribeToTask: (dialect, { metadata: _metadata, name, ...rest }) =>
    dialect === '0.3-rest' || name === undefined ? rest : { ...rest, name },
  CreateTaskPushNotificationConfig: (dialect, p) =>
    taskPushConfigToV1(dialect, dialect === '0.3-rest' ? unwrappedConfig(p) : p),
  // A 0.3 get may leave the config out: the task's own, named by its task as agents name it.
  GetTaskPushNotificationConfig: (_, p) =>
    withoutUndefined({ taskId: p.id, id: fieldOf(p, 'pushNotificationConfigId') ?? p.id }),
  ListTaskPushNotificationConfigs: (_, p) => ({ taskId: p.id }),
  DeleteTaskPushNotificationConfig: (_, p) =>
    withoutUndefined({ taskId: p.id, id: fieldOf(p, 'pushNotificationConfigId') }),
  GetExtendedAgentCard: () => ({}),
}

const paramsFromV1ByOperation: Record<OperationName, (dialect: Dialect, p: Json) => Json> = {
  SendMessage: sendParamsFromV1,
  SendStreamingMessage: sendParamsFromV1,
  GetTask: (_, p) => withoutTenant(inJsonNames(p, 'historyLength')),
  ListTasks: (_, p) => withoutTenant(p),
  CancelTask: (_, p) => withoutTenant(p),
  SubscribeToTask: (_, p) => withoutTenant(p),
  CreateTaskPushNotificationConfig: (dialect, p) => taskPushConfigFromV1(dialect, p),
  GetTaskPushNotificationConfig: (_, p) =>
    withoutUndefined({ id: fieldOf(p, 'taskId'), pushNotificationConfigId: nonEmpty(p.id) }),
  ListTaskPushNotificationConfigs: (_, p) => ({ id: fieldOf(p, 'taskId') }),
  DeleteTaskPushNotificationConfig: (_, p) => ({
    id: fieldOf(p, 'taskId'),
    pushNotificationConfigId: p.id,
  }),
  GetExtendedAgentCard: () => ({}),
}

/**
 * A call's params in 1.0 spelling. `dialect` is the caller's; for HTTP+JSON the
 * params are those its path, query and body name together.
 *
 * @example
 * paramsToV1('0.3-jsonrpc', 'GetTaskPushNotificationConfig', { id: 't', pushNotificationConfigId: 'c' })
 * // { taskId: 't', id: 'c' }
 */
export const paramsToV1 = (dialect: Dialect, operation: OperationName, params: unknown): Json =>
  dialect === '1.0'
    ? asJsonObject(params)
    : paramsToV1ByOperation[operation](dialect, asJsonObject(params))

/** 1.0 params in a 0.3 dialect (the tenant, which 0.3 lacks, is dropped). */
export const paramsFromV1 = (dialect: Dialect, operation: OperationName, params: unknown): Json =>
  dialect === '1.0'
    ? asJsonObject(params)
    : paramsFromV1ByOperation[operation](dialect, asJsonObject(params))

/**
 * The 1.0 fields of an operation that 0.3 does not define, the tenant aside: 0.3 lists a task's
 * push configs whole, named by its task alone (its JSON-RPC's `TaskIdParams`, its HTTP+JSON
 * section's "Payload: None"; its proto's `page_size`, "usually not used", the SDKs' 0.3 servers
 * ignore). An agent that did page would lose the caller the rest: `resultToV1` brings back
 * no next page token, so one page would pass for the whole list.
 */
const fieldsNotIn03: Partial<Record<OperationName, ReadonlySet<string>>> = {
  ListTaskPushNotificationConfigs: new Set(['pageSize', 'pageToken']),
}

/**
 * 1.0 params as a 0.3 agent may be sent them, still in 1.0's names (an HTTP+JSON path and
 * query are written from these): without the tenant, which 0.3 has no place for, nor a field,
 * under either of its names, that 0.3's operation does not define.
 *
 * @example
 * v1ParamsFor03('ListTaskPushNotificationConfigs', { taskId: 't', page_size: 2, tenant: 'acme' })
 * // { taskId: 't' }
 */
export const v1ParamsFor03 = (operation: OperationName, params: Json): Json => {
  const notIn03 = fieldsNotIn03[operation]
  return Object.fromEntries(
    Object.entries(params).filter(([name]) => name !== 'tenant' && !notIn03?.has(jsonName(name))),
  )
}

/**
 * An operation's successful answer in 1.0 spelling: the JSON-RPC `result` or
 * the HTTP+JSON body. Cards are converted by `cardToVersion`.
 */
export const resultToV1 = (
  dialect: Dialect,
  operation: OperationName,
  result: unknown,
): unknown => {
  if (dialect === '1.0') return result
  switch (operation) {
    case 'SendMessage':
    case 'SendStreamingMessage':
    case 'SubscribeToTask':
      return streamResponseToV1(dialect, result)
    case 'GetTask':
    case 'CancelTask':
      return taskToV1(dialect, result)
    case 'CreateTaskPushNotificationConfig':
    case 'GetTaskPushNotificationConfig':
      return taskPushConfigToV1(dialect, result)
    case 'ListTaskPushNotificationConfigs': {
      const configs = dialect === '0.3-rest' ? asJsonObject(result).configs : result
      return {
        configs: (Array.isArray(configs) ? configs : []).map((c) => taskPushConfigToV1(dialect, c)),
      }
    }
    case 'DeleteTaskPushNotificationConfig':
      return {}
    case 'GetExtendedAgentCard':
      return cardToVersion(result, '1.0')
    default:
      return result
  }
}

/** A 1.0 answer in a 0.3 dialect. */
export const resultFromV1 = (
  dialect: Dialect,
  operation: OperationName,
  result: unknown,
): unknown => {
  if (dialect === '1.0') return result
  switch (operation) {
    case 'SendMessage':
    case 'SendStreamingMessage':
    case 'SubscribeToTask':
      return streamResponseFromV1(dialect, result)
    case 'GetTask':
    case 'CancelTask':
      return taskFromV1(dialect, result)
    case 'CreateTaskPushNotificationConfig':
    case 'GetTaskPushNotificationConfig':
      return taskPushConfigFromV1(dialect, result)
    case 'ListTaskPushNotificationConfigs': {
      const configs = asJsonObject(result).configs
      const list = (Array.isArray(configs) ? configs : []).map((c) =>
        taskPushConfigFromV1(dialect, c),
      )
      return dialect === '0.3-rest' ? { configs: list } : list
    }
    case 'DeleteTaskPushNotificationConfig':
      return null
    case 'GetExtendedAgentCard':
      return cardToVersion(result, '0.3')
    default:
      return result
  }
}
