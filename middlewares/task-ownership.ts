import { Readable } from 'node:stream'
import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { type A2AFailure, failureEvent, renderA2AFailure } from '../lib/a2a/errors.ts'
import type { A2ACall } from '../lib/a2a/request.ts'
import { isStreamAnswer } from '../lib/a2a/sse.ts'
import { StreamWithheldError } from '../lib/errors.ts'
import { maxUnaryAnswerBytes } from '../lib/http/answer-size.ts'
import type { HttpResponse } from '../lib/http/http-response.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import {
  createsTasks,
  jsonRpcParamsOf,
  listedTasks,
  maxListedTasks,
  namedTask,
  ReadOtherwiseError,
  readsTasks,
  referencedTasks,
  type TaskRef,
  tasksInAnswerTo,
  tasksInEvents,
  UnreadableAnswerError,
  UnreadableTaskIdError,
} from '../lib/tasks/task-calls.ts'
import {
  TaskOwnedElsewhereError,
  type TaskOwners,
  UnrecordableTaskError,
} from '../lib/tasks/task-owners.ts'
import { textForLog } from '../lib/text-for-log.ts'
import { withThousands } from '../lib/thousands.ts'
import { type A2ARequestContext, a2aOf, type RoutedContext } from './a2a-request.ts'
import { refused } from './support/refusal.ts'
import { requires } from './support/requires.ts'
import { bodyText, isNodeStream } from './support/response-body.ts'
import type { CallerContext } from './verified-caller.ts'

/** Whose tasks this call may touch: the caller's own, or every caller's (a read by an auditor). */
export type TaskAccess = 'own' | 'all'

export type TaskOwnershipContext = A2ARequestContext &
  RoutedContext &
  CallerContext & {
    /** Set for every call by `taskOwnership`; the forwarding step tells the agent. */
    taskAccess?: TaskAccess
    /**
     * The task a call names, as its record says (the caller's own): the
     * forwarding step finds an AgentCore runtime's session from its context.
     */
    task?: { taskId: string; owner: string; contextId?: string }
    /** The agent's record, once `agentLookup` has read it: its registration is the call's. */
    agent?: { createdAt: string }
  }

type OwnershipRequest = Request<APIGatewayProxyEvent, unknown, Error, TaskOwnershipContext>

export interface TaskOwnershipOptions {
  owners: TaskOwners
  /**
   * The agent's registration (its record's `createdAt`), read as `agentLookup` reads it (the
   * handler's cached lookup, so the two share one read): a task recorded under an earlier
   * registration of the id is no caller's. After the call `agentLookup`'s record says it; without
   * either, tasks are kept apart by agent id alone.
   */
  registrationOf?: (agentId: string) => Promise<string | undefined>
  /** Told when an answer's tasks could not be recorded or a list not filtered. */
  onError?: (error: unknown) => void
  /**
   * Told when a whole answer is withheld for what the agent answered (a task another caller
   * created, another task than the one asked about, a task id it cannot be read or recorded by,
   * a ListTasks answer that is no list): the call was counted by the agent's status before this
   * read it, so the handler counts it as the agent's failure here. A stream's is counted as
   * failed by its relay (StreamWithheldError).
   */
  onAgentFault?: (call: A2ACall) => void
}

/** The agent answered a call about one task (GetTask, SubscribeToTask…) with another. */
class OtherTaskNamedError extends Error {
  constructor(agentId: string, asked: string, named: string) {
    super(
      `agent '${agentId}' answered a call about task '${textForLog(asked)}' with task '${textForLog(named)}'`,
    )
    this.name = 'OtherTaskNamedError'
  }
}

/**
 * The most tasks one answer (a whole one, or a stream's events) may have recorded: each a
 * conditional write and an item kept 30 days. A2A ties a stream to one task; unbounded, an
 * agent's stream of 2,000 events each naming a task of its own was 2,000 writes for one call.
 */
export const maxTasksPerAnswer = 100

/**
 * The agent named more tasks in one answer than the gateway records for one call, or listed more
 * in a ListTasks answer than a page holds (`listed`, how many).
 */
class TooManyTasksError extends Error {
  constructor(agentId: string, listed?: number) {
    super(
      listed === undefined
        ? `agent '${agentId}' named more than ${maxTasksPerAnswer} tasks in one answer`
        : `agent '${agentId}' listed ${withThousands(listed)} tasks in one ListTasks answer, more than the ${maxListedTasks} a page holds`,
    )
    this.name = 'TooManyTasksError'
  }
}

/** The agent's own faults that withhold an answer, and what the caller is told of each. */
const agentFaults: [new (...args: never[]) => Error, string][] = [
  [TaskOwnedElsewhereError, 'a task another caller created'],
  [OtherTaskNamedError, 'a task other than the one asked about'],
  [UnreadableTaskIdError, 'a task id that is not a string'],
  [
    UnrecordableTaskError,
    'a task id the gateway cannot record (too long, or not well-formed Unicode)',
  ],
  [UnreadableAnswerError, 'something that is not JSON'],
  [ReadOtherwiseError, 'something some clients read otherwise'],
  [TooManyTasksError, `more than ${maxTasksPerAnswer} tasks in one answer`],
]

const agentFaultOf = (error: unknown) => agentFaults.find(([kind]) => error instanceof kind)

/**
 * Whether an error `onError` is told of is the agent's fault (it answered about another caller's
 * or another task, or with a task id that cannot be recorded), not the gateway's own: a handler
 * logs the one as a warning about the agent, the other as an error to look into.
 */
export const isAgentFault = (error: unknown): boolean => agentFaultOf(error) !== undefined

/** What the caller is told when its answer cannot be given safely. */
const withheld = (call: A2ACall, error: unknown): A2AFailure => {
  const fault = agentFaultOf(error)
  if (fault) {
    // Which field or line: for the agent's operator, since the caller can mend nothing of it.
    const which = error instanceof ReadOtherwiseError ? ` (${error.message})` : ''
    return {
      kind: 'backend-unavailable',
      message: `Agent '${call.agentId}' answered with ${fault[1]}${which}; the gateway withheld it.`,
    }
  }
  return {
    kind: 'internal',
    message: createsTasks(call.operation)
      ? `Agent '${call.agentId}' answered, but the gateway could not record the task as yours, so it withheld the answer; send the message again.`
      : 'The gateway could not check which of these tasks are yours; try again.',
  }
}

/** Calls `then` once `stream` has closed: at once if it has. */
const onceClosed = (stream: Readable, then: () => void) => {
  if (stream.closed) then()
  else stream.once('close', then)
}

/**
 * An event stream whose events reach the caller only once every task they
 * name is recorded as the caller's (each id once per stream). The relay hands
 * on whole events only, so each chunk is read as it is. A failed record ends
 * the stream with the error event instead of the event that named the task.
 * Destroying the result (the caller went away) destroys the body at once. The
 * result ends or closes only after the body has closed, so a slot the body
 * gives back as it closes (streamConcurrency) is back before the caller's end.
 */
const recordingTasks = (
  body: Readable,
  call: A2ACall,
  record: (tasks: TaskRef[]) => Promise<void>,
  onError: (error: unknown) => void,
): Readable => {
  const recorded = new Set<string>()
  let failed = false
  // Chunks are handled in order; the end waits for the last one.
  let handled = Promise.resolve()
  const answer = new Readable({
    read: () => void body.resume(),
    // Closes once the body has: streamConcurrency's closes once its stream slot is back.
    destroy: (error, callback) => {
      body.destroy()
      onceClosed(body, () => callback(error))
    },
  })
  /** The tasks a chunk names not yet recorded; an error when it names one unreadably. */
  const freshIn = (chunk: Buffer | string): TaskRef[] | Error => {
    try {
      return tasksInEvents(call.binding, chunk.toString()).filter(
        ({ taskId }) => !recorded.has(taskId),
      )
    } catch (error) {
      return error as Error
    }
  }
  const pass = async (chunk: Buffer | string, fresh = freshIn(chunk)) => {
    try {
      if (fresh instanceof Error) throw fresh
      if (fresh.length > 0) await record(fresh)
    } catch (error) {
      failed = true
      onError(error)
      const failure = withheld(call, error)
      answer.push(failureEvent(failure, call))
      // With why: a body destroyed with no error would reach its relay as its reader going away.
      body.destroy(
        new StreamWithheldError(call.agentId, failure.message, {
          agentsFault: agentFaultOf(error) !== undefined,
        }),
      )
      // The end only once the body has closed (its stream slot back), as on every other path.
      await new Promise<void>((resolve) => onceClosed(body, resolve))
      answer.push(null)
      return
    }
    for (const { taskId } of fresh) recorded.add(taskId)
    if (answer.push(chunk)) body.resume()
  }
  /** Chunks waiting their turn behind a record being written. */
  let waiting = 0
  body.on('data', (chunk: Buffer | string) => {
    const fresh = waiting === 0 && !failed && !answer.destroyed ? freshIn(chunk) : undefined
    // Nothing waits and the event names no task not yet recorded: it goes on now, with no
    // async hop (each costs tens of microseconds of an event's delay on a machine gone idle).
    if (Array.isArray(fresh) && fresh.length === 0) {
      if (!answer.push(chunk)) body.pause()
      return
    }
    body.pause()
    waiting++
    handled = handled
      .then(() => (failed || answer.destroyed ? undefined : pass(chunk, fresh)))
      .finally(() => waiting--)
  })
  body.once('end', () => {
    handled = handled.then(() => {
      if (!failed && !answer.destroyed) answer.push(null)
    })
  })
  // A body this stream withheld fails with why; its error event is already on its way.
  body.once('error', (error) => {
    if (!failed) answer.destroy(error)
  })
  return answer
}

/**
 * Tasks belong to the principal that created them. Before the call: a call that
 * names a task (GetTask, CancelTask, SubscribeToTask, the push-config
 * operations, a SendMessage that continues a task) goes on only if the caller
 * created that task; any other, recorded for someone else or not at all, is
 * answered as A2A's TaskNotFound, so existence does not leak, and the agent
 * is not called. After it: the tasks a SendMessage answer (or stream event)
 * names are recorded as the caller's before the caller sees them, an answer
 * to a call about the caller's own task may name that task only, and a
 * ListTasks answer keeps only the caller's tasks; a whole answer of 2xx that
 * is no JSON, which none of that can be checked in, is withheld. A caller with
 * `taskAccess: "all"` on the agent reads (GetTask, ListTasks,
 * SubscribeToTask) every caller's tasks. Runs after `agentGrant` and
 * `rateLimit`, before `streamConcurrency` (a call refused here takes no slot,
 * or gives back the one taken beside it when they run `concurrently`): a read
 * only before the call, so it may run beside the rate-limit write.
 *
 * @example
 * middy()
 *   .use(a2aRequest())
 *   .use(verifiedCaller())
 *   .use(taskOwnership({ owners, onError: (error) => logger.error('not recorded', { error }) }))
 *   .handler(forward)
 */
export const taskOwnership = (
  options: TaskOwnershipOptions,
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, TaskOwnershipContext> => {
  checkOptions('taskOwnership', options, {
    owners: optionRules.methods('taskOf'),
    registrationOf: optionRules.function().optional(),
    onError: optionRules.function().optional(),
    onAgentFault: optionRules.function().optional(),
  })
  const {
    owners,
    registrationOf = async () => undefined,
    onError = () => undefined,
    onAgentFault = () => undefined,
  } = options

  const registrations = new WeakMap<OwnershipRequest, Promise<string | undefined>>()
  /**
   * The registration the call goes to: `agentLookup`'s record once it has run (after the call,
   * the one it was forwarded to, never read again), else read once per request.
   */
  const registrationFor = (request: OwnershipRequest, agentId: string) => {
    const known = request.context.agent?.createdAt
    if (known !== undefined) return Promise.resolve(known)
    let read = registrations.get(request)
    if (!read) {
      read = registrationOf(agentId)
      // Handed on unawaited (an owner's read may return before it): a failed read is the awaiting
      // step's to answer, never an unhandled rejection that ends the process.
      read.catch(() => undefined)
      registrations.set(request, read)
    }
    return read
  }

  const callOf = ({ context }: OwnershipRequest) => {
    const a2a = a2aOf(context, 'taskOwnership')
    return a2a.kind === 'call' && !a2a.call.skill ? a2a.call : undefined
  }

  const taskOwnershipMiddlewareBefore = async (request: OwnershipRequest) => {
    const call = callOf(request)
    if (!call) return
    const caller = requires(request.context, 'caller', 'taskOwnership')
    const access: TaskAccess =
      readsTasks(call.operation) && caller.allTasksOn.includes(call.agentId) ? 'all' : 'own'
    request.context.taskAccess = access
    if (access === 'all') return
    const params = jsonRpcParamsOf(call)
    const named = namedTask(call, params)
    const referenced = referencedTasks(call, params)
    const invalid =
      (named && 'invalid' in named ? named : undefined) ??
      ('invalid' in referenced ? referenced : undefined)
    if (invalid) {
      return refused({ kind: 'invalid-params', message: invalid.invalid }, (failure) =>
        renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
      )
    }
    // A message's referenced tasks must be the caller's too: the agent's SDK loads each one.
    if (Array.isArray(referenced) && referenced.length > 0) {
      const owned = await owners.ownedBy(
        call.agentId,
        referenced,
        caller.principal,
        registrationFor(request, call.agentId),
      )
      const foreign = referenced.find((taskId) => !owned.has(taskId))
      if (foreign !== undefined) {
        return refused(
          {
            kind: 'task-not-found',
            message: `Task '${foreign}' was not found.`,
          },
          (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
        )
      }
    }
    if (!named || 'invalid' in named) return
    // The registration is read beside the owner: one round trip before the call goes on.
    const task = await owners.taskOf(
      call.agentId,
      named.taskId,
      registrationFor(request, call.agentId),
    )
    if (task?.principal === caller.principal) {
      request.context.task = {
        taskId: named.taskId,
        owner: task.principal,
        ...(task.contextId ? { contextId: task.contextId } : {}),
      }
      return
    }
    return refused(
      {
        kind: 'task-not-found',
        message: `Task '${named.taskId}' was not found.`,
      },
      (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
    )
  }

  const taskOwnershipMiddlewareAfter = async (request: OwnershipRequest) => {
    const call = callOf(request)
    const response = request.response as HttpResponse | undefined
    // An error answer hands out no task and lists none.
    if (!call || !response || response.statusCode >= 400) return
    const filtersList = call.operation === 'ListTasks' && request.context.taskAccess !== 'all'
    // A call about the caller's own task (GetTask, CancelTask, SubscribeToTask, the push-config
    // operations): its answer may name that task only, so no other reaches the caller. A list of
    // push configs is withheld, not filtered as ListTasks is: it lists the configs of the task
    // asked about (@a2a-js/sdk's server loads that task's alone), so a config of another task is
    // the agent's fault, as in GetTask's answer; an agent that keeps no callers apart lists
    // every task in ListTasks, which is no fault.
    const asked = createsTasks(call.operation) ? undefined : request.context.task?.taskId
    if (!createsTasks(call.operation) && !filtersList && asked === undefined) return
    const { principal } = requires(request.context, 'caller', 'taskOwnership')
    // Distinct ids: one chunk of a stream may name its task in many events.
    const recorded = new Set<string>()
    const record =
      asked === undefined
        ? async (tasks: TaskRef[]) => {
            for (const { taskId } of tasks) recorded.add(taskId)
            if (recorded.size > maxTasksPerAnswer) throw new TooManyTasksError(call.agentId)
            return owners.record(
              call.agentId,
              tasks,
              principal,
              await registrationFor(request, call.agentId),
            )
          }
        : async (tasks: TaskRef[]) => {
            const other = tasks.find(({ taskId }) => taskId !== asked)
            if (other) throw new OtherTaskNamedError(call.agentId, asked, other.taskId)
          }
    // A streaming call's events; any other answer is read whole, as a client reads it.
    const isEventStream =
      call.stream && isStreamAnswer(response.statusCode ?? 200, response.headers?.['content-type'])
    if (isEventStream && isNodeStream(response.body)) {
      request.response = {
        ...response,
        body: recordingTasks(response.body, call, record, onError),
      }
      return
    }
    try {
      const text = (await bodyText(response.body)) ?? ''
      if (filtersList) {
        const listed = listedTasks(call.binding, text)
        if (listed === 'not-a-list') {
          request.response = refused(
            {
              kind: 'backend-unavailable',
              message: `Agent '${call.agentId}' answered ListTasks with something other than a list of tasks.`,
            },
            (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
          )
          onAgentFault(call)
          return
        }
        if (listed && listed.taskIds.length > maxListedTasks) {
          // For the operator: the access line's reason says `backend-unavailable`, not how many.
          onError(new TooManyTasksError(call.agentId, listed.taskIds.length))
          request.response = refused(
            {
              kind: 'backend-unavailable',
              message: `Agent '${call.agentId}' answered ListTasks with ${withThousands(listed.taskIds.length)} tasks, more than the ${maxListedTasks} tasks a page may hold; the gateway does not pass it on.`,
            },
            (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
          )
          onAgentFault(call)
          return
        }
        const owned = listed?.taskIds.length
          ? await owners.ownedBy(
              call.agentId,
              listed.taskIds,
              principal,
              registrationFor(request, call.agentId),
            )
          : new Set<string>()
        const body = listed ? listed.keeping(owned) : text
        // Written anew, a list may grow (`maxUnaryAnswerBytes`): 2.5 MB of the caller's task's
        // `1e20`s came out as 11 MB until a review on 7 December 2026.
        if (Buffer.byteLength(body) > maxUnaryAnswerBytes) {
          request.response = refused(
            {
              kind: 'backend-unavailable',
              message: `Agent '${call.agentId}' answered ListTasks with a list that, without other callers' tasks, would pass the ${maxUnaryAnswerBytes} bytes an answer may carry; the gateway does not pass it on.`,
            },
            (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
          )
          onAgentFault(call)
          return
        }
        request.response = { ...response, body }
        return
      }
      const tasks = tasksInAnswerTo(call, text)
      if (tasks.length > 0) await record(tasks)
      request.response = { ...response, body: text }
    } catch (error) {
      onError(error)
      request.response = refused(withheld(call, error), (failure) =>
        renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
      )
      if (agentFaultOf(error)) onAgentFault(call)
    }
  }

  return { before: taskOwnershipMiddlewareBefore, after: taskOwnershipMiddlewareAfter }
}
