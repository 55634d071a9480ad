import type { Binding } from '../a2a/agent-card.ts'
import type { OperationName } from '../a2a/operations.ts'
import {
  misspelledField,
  misspelling,
  type Spellings,
  spellingsDisagree,
  spellingsFor,
  spellingsOf,
} from '../a2a/proto-fields.ts'
import type { A2ACall } from '../a2a/request.ts'
import { jsonRpcParamsFor } from '../a2a/rest-call-params.ts'
import { wholeEvents } from '../a2a/sse.ts'
import { taskOfConfigName } from '../a2a/versions.ts'
import { isJsonObject as isObject, parseAnswer } from '../json-object.ts'
import { textForLog } from '../text-for-log.ts'
import { withThousands } from '../thousands.ts'

/**
 * What task-ownership needs to know of an A2A call and of its answer, in
 * either binding, in A2A 1.0's shapes and 0.3's: the task a call names, the
 * tasks an answer hands the caller, and the tasks a ListTasks answer lists.
 */
type Params = Record<string, unknown>

/** Operations that create tasks: their answers say which. */
export const createsTasks = (operation: OperationName) =>
  operation === 'SendMessage' || operation === 'SendStreamingMessage'

/** Operations a permission's `taskAccess: "all"` opens to every caller's tasks: reads only. */
export const readsTasks = (operation: OperationName) =>
  operation === 'GetTask' || operation === 'ListTasks' || operation === 'SubscribeToTask'

/** Where each operation that names a task carries its id, in 1.0's JSON-RPC params: the objects and the field. */
const taskIdField: Partial<Record<OperationName, (params: Params) => [unknown[], string]>> = {
  // 0.3's HTTP+JSON proto names the message `request` (its JSON name `message`): both are read.
  SendMessage: (params) => [[params.message, params.request], 'taskId'],
  SendStreamingMessage: (params) => [[params.message, params.request], 'taskId'],
  GetTask: (params) => [[params], 'id'],
  CancelTask: (params) => [[params], 'id'],
  SubscribeToTask: (params) => [[params], 'id'],
  CreateTaskPushNotificationConfig: (params) => [[params], 'taskId'],
  GetTaskPushNotificationConfig: (params) => [[params], 'taskId'],
  ListTaskPushNotificationConfigs: (params) => [[params], 'taskId'],
  DeleteTaskPushNotificationConfig: (params) => [[params], 'taskId'],
}

/** 0.3's JSON-RPC push-config reads name the task `id` (its `set` says `taskId`, as 1.0 does). */
const legacyTaskIdField: Partial<Record<OperationName, (params: Params) => [unknown[], string]>> = {
  GetTaskPushNotificationConfig: (params) => [[params], 'id'],
  ListTaskPushNotificationConfigs: (params) => [[params], 'id'],
  DeleteTaskPushNotificationConfig: (params) => [[params], 'id'],
}

/**
 * The task a 0.3 config's resource name names, read as 0.3's servers and clients read it:
 * `String(name)` (their proto's `fromJSON`).
 */
const taskOfResourceName = (name: unknown): [spelling: 'name', taskId: string][] => {
  if (name === undefined || name === null) return []
  const found = taskOfConfigName(String(name))
  return found === undefined ? [] : [['name', found]]
}

export type NamedTask = { taskId: string } | { invalid: string } | undefined

/**
 * The refusal of a call naming a task by an id that is not well-formed Unicode (a lone surrogate,
 * `"\ud800"`): no such task can be on record (`fitsKey`, lib/tasks/task-owners.ts), and DynamoDB
 * would read it as another id.
 */
const illFormedTaskId = (call: A2ACall) =>
  `${call.operation} names a task by an id that is not well-formed Unicode (a lone surrogate): no task has such an id.`

/** The fields a message names tasks (and its context) by, and where params hold a message. */
const messageTaskFields = spellingsFor(['taskId', 'referenceTaskIds', 'contextId'])
const messageHolders = spellingsFor(['message', 'request'])
const taskIdFields = spellingsFor(['id', 'taskId'])

/**
 * A field a call names its task by, or where it holds the message that does, spelled otherwise
 * than the gateway reads it (`TaskId`, `taſkId`, `Message`): the words of the refusal, or
 * undefined. a2a-go reads every field whatever its case (Go's encoding/json), so caller B's
 * `"TaskId"` was A's task to it and no task to the gateway: refused, as a push config's fields
 * are (`misspelledPushField`).
 */
const misspelledTaskField = (call: A2ACall, read: Params): string | undefined => {
  const places: [unknown, Spellings][] = createsTasks(call.operation)
    ? [
        [read, messageHolders],
        [read.message, messageTaskFields],
        [read.request, messageTaskFields],
      ]
    : [[read, taskIdFields]]
  for (const [object, spellings] of places) {
    const found = isObject(object) ? misspelling(object, spellings) : undefined
    if (found) return misspelledField(call.operation, found)
  }
  return undefined
}

/**
 * A call's params as 1.0's JSON-RPC gives them: an HTTP+JSON call's read from its path, query
 * and body. Worked out once by a caller that asks `namedTask` and `referencedTasks` both.
 */
export const jsonRpcParamsOf = (call: A2ACall): unknown =>
  call.binding === 'JSONRPC' ? call.params : jsonRpcParamsFor(call)

/**
 * The task a call names: `{ taskId }`; undefined for a call that names none
 * (ListTasks, a SendMessage that starts a task); `{ invalid }` when the
 * operation needs a task id and the call gives none usable, so that no id
 * the backend might read another way (a number, an object) goes unchecked.
 *
 * @example
 * namedTask({ ...call, operation: 'GetTask', binding: 'JSONRPC', params: { id: 't-1' } })
 * // { taskId: 't-1' }
 */
export const namedTask = (call: A2ACall, params = jsonRpcParamsOf(call)): NamedTask => {
  const field =
    (call.binding === 'JSONRPC' && call.version === '0.3'
      ? legacyTaskIdField[call.operation]
      : undefined) ?? taskIdField[call.operation]
  if (!field) return undefined
  // An HTTP+JSON call's task id is in its path: read from the JSON-RPC params that mean the same.
  const read = isObject(params) ? params : {}
  const misspelled = misspelledTaskField(call, read)
  if (misspelled) return { invalid: misspelled }
  const [holders, name] = field(read)
  // Read as an agent's parser reads it: under its JSON name or its proto name, and a push
  // config's task also from the resource name 0.3's HTTP+JSON servers read it from.
  const given = [
    ...holders.flatMap((holder) => (isObject(holder) ? spellingsOf(holder, name) : [])),
    ...(name === 'taskId' && holders[0] === read ? taskOfResourceName(read.name) : []),
  ]
  if (spellingsDisagree(given)) {
    return {
      invalid: `${call.operation} names its task twice (${given.map(([spelling]) => spelling).join(' and ')}): give one.`,
    }
  }
  const taskId = given[0]?.[1]
  // A message with no task (proto JSON may spell "none" as an empty string) starts one.
  if (createsTasks(call.operation) && (taskId === undefined || taskId === null || taskId === '')) {
    return undefined
  }
  if (typeof taskId === 'string' && taskId !== '') {
    return taskId.isWellFormed() ? { taskId } : { invalid: illFormedTaskId(call) }
  }
  const where = createsTasks(call.operation) ? 'message.taskId' : 'the task id'
  return { invalid: `${call.operation} needs ${where} as a non-empty string.` }
}

/**
 * The most tasks one message may refer to: their owners are one `BatchGetItem` (100 keys), each
 * a strongly consistent read whether or not it is found. Unbounded, one message of 20,000 short
 * ids read 200 batches before its agent was asked (and half a million overflowed the stack, a
 * 500 and an ERROR line): a bill the caller chose.
 */
export const maxReferencedTasks = 100

/**
 * The tasks a message refers to (`referenceTaskIds`, under either name, in `message` or 0.3's
 * `request`): an agent's SDK loads each into the request it hands the agent's code, so each
 * must be the caller's as a named task is. `{ invalid }` for a list that is not of non-empty
 * strings, or of more than `maxReferencedTasks` tasks.
 */
export const referencedTasks = (
  call: A2ACall,
  params = jsonRpcParamsOf(call),
): string[] | { invalid: string } => {
  if (!createsTasks(call.operation)) return []
  const read = isObject(params) ? params : {}
  const lists = [read.message, read.request].flatMap((holder) =>
    isObject(holder) ? spellingsOf(holder, 'referenceTaskIds') : [],
  )
  const ids = new Set<string>()
  for (const [, list] of lists) {
    if (list === null) continue
    if (!Array.isArray(list) || !list.every((id) => typeof id === 'string' && id !== '')) {
      return { invalid: `${call.operation} needs message.referenceTaskIds as non-empty strings.` }
    }
    if (!list.every((id: string) => id.isWellFormed())) return { invalid: illFormedTaskId(call) }
    for (const id of list) ids.add(id)
  }
  if (ids.size > maxReferencedTasks) {
    return {
      invalid: `${call.operation} refers to ${withThousands(ids.size)} tasks (message.referenceTaskIds); a message may refer to at most ${maxReferencedTasks}.`,
    }
  }
  return [...ids]
}

/** A task an answer names, with the A2A context it belongs to when the answer says. */
export interface TaskRef {
  taskId: string
  contextId?: string
}

/** An answer names a task by an id that is not a string: what a client reads of it is anyone's guess. */
export class UnreadableTaskIdError extends Error {
  constructor(id: unknown) {
    super(
      `an answer names a task by ${textForLog(typeof id === 'object' ? JSON.stringify(id) : String(id))}, not a string`,
    )
    this.name = 'UnreadableTaskIdError'
  }
}

/**
 * An answer or stream some clients read otherwise than the ownership checks do: a field spelled in
 * another case (`ID`, `Task`, `taſkId`), which a client that ignores case reads (a2a-go's, Go's
 * encoding/json), or a stream line some clients split in two (`splitNonDataLine`). What it hands
 * the caller cannot be checked. Its message says which.
 */
export class ReadOtherwiseError extends Error {
  constructor(what: string) {
    super(what)
    this.name = 'ReadOtherwiseError'
  }
}

/** Throws ReadOtherwiseError when `object` spells one of `spellings`' names otherwise. */
const spelledAsRead = (object: Record<string, unknown>, spellings: Spellings): void => {
  const found = misspelling(object, spellings)
  if (found) throw new ReadOtherwiseError(`'${found.meant}' spelled '${textForLog(found.key)}'`)
}

/** What an answer's objects are read by: a payload's shapes, and the ids in them. */
const answerSpellings = {
  payload: spellingsFor(['task', 'message', 'msg', 'statusUpdate', 'artifactUpdate', 'kind']),
  ids: spellingsFor(['id', 'taskId', 'contextId']),
  lists: spellingsFor(['result', 'configs', 'tasks']),
}

/**
 * The task `value` names by `idField`, under each spelling a client may read it by; an id that
 * is there but not a string throws UnreadableTaskIdError, and one spelled in another case
 * ReadOtherwiseError.
 */
const refsOf = (value: unknown, idField: 'id' | 'taskId'): TaskRef[] => {
  if (!isObject(value)) return []
  spelledAsRead(value, answerSpellings.ids)
  const context = spellingsOf(value, 'contextId').find(
    ([, id]) => typeof id === 'string' && id !== '',
  )?.[1] as string | undefined
  return spellingsOf(value, idField).flatMap(([, taskId]) => {
    if (taskId === null || taskId === '') return []
    // A client may read it anyway (@a2a-js/sdk's fromJSON makes `["t-1"]` the task `t-1`).
    if (typeof taskId !== 'string') throw new UnreadableTaskIdError(taskId)
    return [context ? { taskId, contextId: context } : { taskId }]
  })
}

/**
 * The tasks one answer payload (a result, a REST body, one stream event) hands
 * the caller, each with its contextId when given: a Task's id, a Message's or
 * an update event's taskId, in 1.0's wrapped shapes (`task`, `message`,
 * `statusUpdate`, `artifactUpdate`; `msg`, `status_update`, `artifact_update`
 * as 0.3's HTTP+JSON may spell them) and 0.3's bare ones (told apart by `kind`),
 * each id under its JSON name and its proto name (`task_id`), both when both are
 * given. An id that is there but not a string throws UnreadableTaskIdError. With `kindless`,
 * a 0.3 shape given with no `kind` is read too, as a Task's `id` and a message's or event's
 * `taskId`: a2a-python's client reads one by its models, whose `kind` defaults
 * (`kind: Literal['task'] = 'task'`), so `{"id":"<A's task>","status":…}` was A's task to it and
 * none to the checks until 7 December 2026. Only where a payload is a task, message or event (an
 * answer to a message, a stream's event, a push), never a push config, whose `id` is its own.
 */
export const tasksInPayload = (payload: unknown, { kindless = false } = {}): TaskRef[] => {
  if (!isObject(payload)) return []
  spelledAsRead(payload, answerSpellings.payload)
  const bare = kindless && payload.kind === undefined
  const found = [
    // A Task's id is a string to those models: a JSON-RPC envelope's `"id":1` is no task.
    bare && typeof payload.id === 'string' ? refsOf(payload, 'id') : [],
    bare ? refsOf(payload, 'taskId') : [],
    refsOf(payload.task, 'id'),
    refsOf(payload.message, 'taskId'),
    refsOf(payload.msg, 'taskId'),
    refsOf(payload.statusUpdate, 'taskId'),
    refsOf(payload.status_update, 'taskId'),
    refsOf(payload.artifactUpdate, 'taskId'),
    refsOf(payload.artifact_update, 'taskId'),
    payload.kind === 'task' ? refsOf(payload, 'id') : [],
    payload.kind === 'message' ||
    payload.kind === 'status-update' ||
    payload.kind === 'artifact-update'
      ? refsOf(payload, 'taskId')
      : [],
  ].flat()
  const byTask = new Map<string, TaskRef>()
  for (const ref of found) {
    if (!byTask.get(ref.taskId)?.contextId) byTask.set(ref.taskId, ref)
  }
  return [...byTask.values()]
}

/**
 * The tasks a push config names: its `taskId` under each spelling, and a 0.3 config's resource
 * name (`tasks/{id}/pushNotificationConfigs/{configId}`), in whichever version it comes.
 */
const tasksOfConfig = (config: unknown): TaskRef[] => [
  ...refsOf(config, 'taskId'),
  ...(isObject(config) ? taskOfResourceName(config.name) : []).map(([, taskId]) => ({ taskId })),
]

/**
 * The configs a ListTaskPushNotificationConfigs answer shows: 1.0's and 0.3 HTTP+JSON's
 * `configs`, or 0.3 JSON-RPC's bare array.
 */
const configsListedIn = (payload: unknown): unknown[] => {
  if (Array.isArray(payload)) return payload
  if (isObject(payload)) spelledAsRead(payload, answerSpellings.lists)
  return isObject(payload) && Array.isArray(payload.configs) ? payload.configs : []
}

/**
 * What an answer to each of these operations shows besides the shapes `tasksInPayload` reads:
 * GetTask's and CancelTask's Task itself (bare in 1.0, with no `kind`), and push configs, each
 * naming its task (a Delete answers none, 1.0's `{}` or 0.3's `null`: one showing a config
 * anyway is read as one).
 */
const answerShows: Partial<Record<OperationName, (payload: unknown) => TaskRef[]>> = {
  GetTask: (payload) => refsOf(payload, 'id'),
  CancelTask: (payload) => refsOf(payload, 'id'),
  CreateTaskPushNotificationConfig: tasksOfConfig,
  GetTaskPushNotificationConfig: tasksOfConfig,
  ListTaskPushNotificationConfigs: (payload) => configsListedIn(payload).flatMap(tasksOfConfig),
  DeleteTaskPushNotificationConfig: tasksOfConfig,
}

/** The ids of the tasks one answer payload hands the caller (`tasksInPayload`). */
export const taskIdsInPayload = (payload: unknown, options?: { kindless?: boolean }): string[] =>
  tasksInPayload(payload, options).map(({ taskId }) => taskId)

/**
 * The payload of a whole answer or event body in `binding`, as a client may read it: the
 * HTTP+JSON body whole, a JSON-RPC answer's `result`, each whether or not an `error` sits
 * beside it (@a2a-js/sdk's REST transport reads a 2xx body's tasks without looking for one);
 * undefined for non-JSON.
 */
const payloadOf = (
  binding: Binding,
  text: string,
  unreadable: () => unknown = () => undefined,
): unknown => {
  let parsed: unknown
  try {
    parsed = parseAnswer(text)
  } catch {
    return unreadable()
  }
  if (binding !== 'JSONRPC') return parsed
  if (!isObject(parsed)) return undefined
  spelledAsRead(parsed, answerSpellings.lists)
  return parsed.result
}

/** The tasks a whole (unary) answer in `binding` hands the caller, with their contexts. */
export const tasksInAnswer = (binding: Binding, text: string): TaskRef[] =>
  tasksInPayload(payloadOf(binding, text))

/**
 * A whole answer of HTTP 2xx with text that is no JSON: what it hands the caller cannot be checked
 * (a lenient client may still read a task from it), and a client that reads it strictly fails.
 * Until 7 December 2026 it passed on unchecked and counted as the agent's success.
 */
export class UnreadableAnswerError extends Error {
  constructor() {
    super('an answer of HTTP 2xx is not JSON')
    this.name = 'UnreadableAnswerError'
  }
}

/**
 * The tasks a whole (unary) answer to `call` hands the caller: as `tasksInAnswer`, and what an
 * answer to its operation shows besides (`answerShows`): GetTask's and CancelTask's bare Task,
 * the task of each push config an answer shows. Text that is no JSON throws
 * UnreadableAnswerError; an empty answer names no task.
 *
 * @example
 * tasksInAnswerTo({ binding: 'HTTP+JSON', operation: 'ListTaskPushNotificationConfigs' },
 *   '{"configs":[{"id":"c","taskId":"t-1","url":"https://h"}]}')
 * // [{ taskId: 't-1' }]
 */
export const tasksInAnswerTo = (
  call: Pick<A2ACall, 'binding' | 'operation'>,
  text: string,
): TaskRef[] => {
  const payload = payloadOf(call.binding, text, () => {
    if (text.trim() !== '') throw new UnreadableAnswerError()
  })
  const tasks = tasksInPayload(payload, { kindless: createsTasks(call.operation) })
  const shown = (answerShows[call.operation]?.(payload) ?? []).filter(
    (ref) => !tasks.some(({ taskId }) => taskId === ref.taskId),
  )
  return [...tasks, ...shown]
}

/** The ids of the tasks a whole (unary) answer in `binding` hands the caller. */
export const taskIdsInAnswer = (binding: Binding, text: string): string[] =>
  tasksInAnswer(binding, text).map(({ taskId }) => taskId)

/**
 * A line other than a `data` line holding a character Python's `splitlines` ends a line at
 * besides CR and LF (VT, FF, FS, GS, RS, NEL, U+2028, U+2029), as httpx-sse, a2a-python's reader
 * of streams, split lines before 0.4.2.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are what it finds
const splitNonDataLine = /(?:^|[\r\n])(?!data(?:[:\r\n]|$))[^\r\n]*[\v\f\x1c-\x1e\x85\u2028\u2029]/

/**
 * The tasks a run of whole stream events in `binding` hands the caller, with their contexts:
 * every event read as the caller's client reads it (`wholeEvents`), whatever its `event` type,
 * since a client may read an `error` event's data as a result too. A byte-order mark is read as
 * part of its line, as a client reads one anywhere but at the stream's start, where the relay
 * drops it (`relayToReadable`): passed over at the start of each run, it made a line no client
 * reads as data part of an event's data, and the task the client read there went unseen. An
 * event whose data is no JSON throws UnreadableAnswerError, as a whole answer does: a lenient
 * client may still read a task from it (a2a-python reads events with Python's `json.loads`, which
 * takes `NaN` and `Infinity`), and until 7 December 2026 such an event passed on unchecked. A
 * run holding a line some clients split otherwise throws ReadOtherwiseError.
 */
export const tasksInEvents = (binding: Binding, text: string): TaskRef[] => {
  // A line other than data holding one: a client splitting there reads a `data` line after it,
  // which the gateway never read (`: note` U+2028 `data: {…}`, a comment to the SSE spec). In data,
  // whose JSON holds them in strings only, such a split leaves text no JSON reader takes.
  if (splitNonDataLine.test(text)) {
    throw new ReadOtherwiseError('a stream line some clients split in two')
  }
  return wholeEvents(text).flatMap((event) =>
    tasksInPayload(
      payloadOf(binding, event.data, () => {
        if (event.data.trim() !== '') throw new UnreadableAnswerError()
      }),
      { kindless: true },
    ),
  )
}

/** The ids of the tasks a run of whole stream events in `binding` hands the caller. */
export const taskIdsInEvents = (binding: Binding, text: string): string[] => [
  ...new Set(tasksInEvents(binding, text).map(({ taskId }) => taskId)),
]

/** A ListTasks answer's tasks and how to write it back with some of them. */
export interface ListedTasks {
  taskIds: string[]
  /**
   * The same answer listing only the tasks in `keep`: unchanged (its
   * `totalSize` with it) when it keeps them all, else with `totalSize` left out.
   */
  keeping(keep: ReadonlySet<string>): string
}

/**
 * The most tasks a ListTasks answer may list to be filtered: A2A's most for a page (`pageSize`
 * at most 100, which @a2a-js/sdk's servers enforce), one `BatchGetItem` of their owners. An agent
 * that listed more made the gateway read each one's owner, strongly consistent: 50,000 tasks in
 * 2.6 MB were 500 batches for one call.
 */
export const maxListedTasks = 100

/**
 * A successful ListTasks answer in `binding`, read to be filtered: undefined for
 * a JSON-RPC error (passed on as it is), `not-a-list` for an answer that is
 * neither (never passed on, since it cannot be filtered). A listed task spelling
 * an id in another case throws ReadOtherwiseError.
 */
export const listedTasks = (
  binding: Binding,
  text: string,
): ListedTasks | 'not-a-list' | undefined => {
  let parsed: unknown
  try {
    parsed = parseAnswer(text)
  } catch {
    return 'not-a-list'
  }
  // An error passes as it is; a `result` beside one is filtered all the same (a client may read it).
  if (binding === 'JSONRPC' && isObject(parsed) && 'error' in parsed && parsed.result == null)
    return undefined
  const list = binding === 'JSONRPC' && isObject(parsed) ? parsed.result : parsed
  if (!isObject(parsed) || !isObject(list) || !Array.isArray(list.tasks)) return 'not-a-list'
  // A list a client that ignores case reads otherwise (`Result`, `Tasks`) cannot be filtered.
  if (misspelling(parsed, answerSpellings.lists) || misspelling(list, answerSpellings.lists)) {
    return 'not-a-list'
  }
  const tasks = list.tasks as unknown[]
  // Kept by its `id`, a task whose `ID` a client reading as Go does reads is another task to it.
  for (const task of tasks) if (isObject(task)) spelledAsRead(task, answerSpellings.ids)
  const idOf = (task: unknown) => (isObject(task) && typeof task.id === 'string' ? task.id : '')
  return {
    taskIds: tasks.map(idOf).filter(Boolean),
    keeping: (keep) => {
      const kept = tasks.filter((task) => keep.has(idOf(task)))
      if (kept.length === tasks.length) return text
      // This agent lists other callers' tasks: its totalSize counted them, and
      // the caller's own count is not known.
      const { totalSize: _counted, ...rest } = list
      const filtered = { ...rest, tasks: kept }
      return JSON.stringify(binding === 'JSONRPC' ? { ...parsed, result: filtered } : filtered)
    },
  }
}
