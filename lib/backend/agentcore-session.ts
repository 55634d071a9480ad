import { createHash, randomUUID } from 'node:crypto'
import { fieldOf, spellingsOf } from '../a2a/proto-fields.ts'
import { memberBytes, withinRequestBound } from '../http/request-bound.ts'
import { parseKeepingInexactNumbers } from '../json-kept-numbers.ts'
import { isJsonObject as isObject } from '../json-object.ts'
import { parseJson } from '../json-parse.ts'
import type { OutgoingRequest } from './auth/backend-auth.ts'

/**
 * The header that picks an AgentCore Runtime session: each session is its own
 * microVM, kept warm between calls, so the calls of one conversation must
 * carry one id. AgentCore takes 33 to 256 characters.
 */
export const sessionHeader = 'x-amzn-bedrock-agentcore-runtime-session-id'

/** Bumped if the derivation ever changes: every id then changes with it. */
const derivation = 'switchboard-agentcore-session-v1'

const sha256Hex = (parts: readonly string[]) =>
  createHash('sha256')
    .update(JSON.stringify([derivation, ...parts]))
    .digest('hex')

/**
 * The session of one caller's conversation (A2A context) with an agent: the
 * SHA-256, in hex (64 characters of [0-9a-f], within AgentCore's 33 to 256),
 * of the agent, the caller's principal and the contextId, as one JSON array,
 * so no two different triples encode alike. Same caller and context, same
 * session, on every gateway instance, with nothing stored; another caller or
 * another context, another session. Not keyed: only the gateway sets the
 * header (a caller's own never travels) and only the gateway's role may call
 * the runtime, so a guessable id opens nothing.
 *
 * @example
 * conversationSessionId({ agentId: 'billing', principal: 'client-a', contextId: 'c-1' })
 */
export const conversationSessionId = (scope: {
  agentId: string
  principal: string
  contextId: string
}): string => sha256Hex(['context', scope.agentId, scope.principal, scope.contextId])

/**
 * The session of a call about a task whose context the gateway does not know
 * (GetTask, CancelTask, SubscribeToTask and the push configs name the task
 * alone): derived from the task, so every call about it meets in one session.
 */
export const taskSessionId = (scope: { agentId: string; principal: string; taskId: string }) =>
  sha256Hex(['task', scope.agentId, scope.principal, scope.taskId])

/** The session the gateway reads a runtime's card in (registration, sync): one per runtime. */
export const cardSessionId = (cardUrl: string) => sha256Hex(['card', cardUrl])

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== ''

/**
 * A JSON-RPC request to an AgentCore runtime with its session chosen: the
 * session header set from the caller and the A2A context the call belongs to.
 *
 * - A message (SendMessage, SendStreamingMessage; 0.3's message/send, message/stream)
 *   with a `contextId`: that context's session.
 * - A message with neither `contextId` nor `taskId` starts a conversation: the
 *   gateway gives it a fresh contextId (a random UUID) in the message it
 *   forwards, so the agent's answer carries that contextId and the caller's
 *   next message, sending it back, lands in the same session. Only then is the
 *   body re-encoded (numbers kept as written), and held to the request limit
 *   (`maxRequestBytes`, the caller's 413 past it); the signature is computed
 *   afterwards, on the bytes sent.
 * - A call naming a task (`taskId` on a message, `id` or `taskId` in the
 *   params) without a contextId: the session of the conversation the task
 *   belongs to, from the context the gateway recorded with the task's owner
 *   (`scope.task`, lib/tasks/task-owners.ts); a task recorded without one gets
 *   a session of its own (`taskSessionId`), the same for every call about it.
 * - Anything else (ListTasks, GetExtendedAgentCard): the context its params
 *   name, or the caller's session without a context.
 *
 * @example
 * const { request, sessionId } = withRuntimeSession(outgoing, { agentId: 'billing', principal: 'client-a' })
 */
export const withRuntimeSession = (
  outgoing: OutgoingRequest,
  scope: {
    agentId: string
    principal: string
    /** The task the call names, as the gateway recorded it (its creator and context). */
    task?: { owner: string; contextId?: string | undefined } | undefined
  },
  newContextId: () => string = randomUUID,
  /** The most a message written anew may be (MAX_REQUEST_BYTES, as the caller's). */
  limits: { maxRequestBytes?: number | undefined } = {},
): { request: OutgoingRequest; sessionId: string } => {
  const sessionIn = (contextId: string) =>
    conversationSessionId({ agentId: scope.agentId, principal: scope.principal, contextId })
  // A task's calls go to the session of the conversation that created it, when its context is known.
  const taskSession = (taskId: string) =>
    scope.task?.contextId
      ? conversationSessionId({
          agentId: scope.agentId,
          principal: scope.task.owner,
          contextId: scope.task.contextId,
        })
      : taskSessionId({ agentId: scope.agentId, principal: scope.principal, taskId })
  const send = (sessionId: string, body = outgoing.body) => ({
    request: { ...outgoing, headers: { ...outgoing.headers, [sessionHeader]: sessionId }, body },
    sessionId,
  })
  const text = new TextDecoder().decode(outgoing.body ?? new Uint8Array())
  let parsed: unknown
  try {
    // Read as JSON reads it: only a message written anew below needs its numbers as written.
    parsed = parseJson(text)
  } catch {
    // Not JSON: the agent refuses it; a session of its own keeps it from anyone's conversation.
    return send(sessionIn(newContextId()))
  }
  const params = isObject(parsed) && isObject(parsed.params) ? parsed.params : {}
  const message = isObject(params.message) ? params.message : undefined
  if (message) {
    const context = fieldOf(message, 'contextId')
    if (nonEmpty(context)) return send(sessionIn(context))
    const taskId = fieldOf(message, 'taskId')
    if (nonEmpty(taskId)) return send(taskSession(taskId))
    const contextId = newContextId()
    // Read again keeping the caller's numbers as written (`1e20`, an integer past 2^53): only
    // this message, a conversation's first, pays for the scan that takes, not every call.
    const written = parseKeepingInexactNumbers(text) as {
      params: { message: Record<string, unknown> }
    }
    const kept = written.params.message
    // In place of any other spelling the message gives: a runtime may refuse both at once.
    for (const [spelling] of spellingsOf(kept, 'contextId')) delete kept[spelling]
    kept.contextId = contextId
    // Measured once written: past `maxKeptNumbers` its numbers go on as doubles (`1e20` as 21
    // digits), and 6.3 MB of `1e20` reached the runtime as 27.5 MB until 7 December 2026. Beyond
    // the limit by the contextId alone (about 51 bytes): a message within it is not refused for it.
    const body = withinRequestBound(
      { body: new TextEncoder().encode(JSON.stringify(written)) },
      limits,
      {
        how: 'given a contextId for its AgentCore session',
        from: outgoing.body,
        added: memberBytes({ contextId }),
      },
    ).body
    return send(sessionIn(contextId), body)
  }
  const contextId = fieldOf(params, 'contextId')
  if (nonEmpty(contextId)) return send(sessionIn(contextId))
  const named = fieldOf(params, 'taskId')
  const taskId = nonEmpty(named) ? named : nonEmpty(params.id) ? params.id : ''
  if (taskId) return send(taskSession(taskId))
  return send(sessionIn(''))
}
