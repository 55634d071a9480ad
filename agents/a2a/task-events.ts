import type { TaskArtifactUpdateEvent, TaskStatusUpdateEvent } from '@a2a-js/sdk'
import { type Message, type Part, Role, type Task, TaskState } from '@a2a-js/sdk'
import { dataPart, textPart } from './parts.ts'

/** The ids every event of one task carries. */
export interface TaskIds {
  taskId: string
  contextId: string
}

/** The first event of a new task: submitted, with the user's message as history. */
export function submittedTask(ids: TaskIds, userMessage: Message): Task {
  return {
    id: ids.taskId,
    contextId: ids.contextId,
    status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now() },
    artifacts: [],
    history: [userMessage],
    metadata: undefined,
  }
}

/**
 * A status change, with an optional short agent message explaining it (and a
 * data part with the same news in structured form, e.g. progress counts).
 */
export function statusUpdate(
  ids: TaskIds,
  state: TaskState,
  text?: string,
  data?: Record<string, unknown>,
): TaskStatusUpdateEvent {
  return {
    taskId: ids.taskId,
    contextId: ids.contextId,
    status: {
      state,
      message: text === undefined ? undefined : agentMessage(ids, text, data),
      timestamp: now(),
    },
    metadata: undefined,
  }
}

/** One chunk of an artifact; `append` chunks add their parts to the earlier ones. */
export function artifactChunk(
  ids: TaskIds,
  chunk: { artifactId: string; name: string; parts: Part[]; append: boolean; lastChunk: boolean },
): TaskArtifactUpdateEvent {
  return {
    taskId: ids.taskId,
    contextId: ids.contextId,
    artifact: {
      artifactId: chunk.artifactId,
      name: chunk.name,
      description: '',
      parts: chunk.parts,
      metadata: undefined,
      extensions: [],
    },
    append: chunk.append,
    lastChunk: chunk.lastChunk,
    metadata: undefined,
  }
}

function agentMessage(ids: TaskIds, text: string, data?: Record<string, unknown>): Message {
  return {
    messageId: crypto.randomUUID(),
    contextId: ids.contextId,
    taskId: ids.taskId,
    role: Role.ROLE_AGENT,
    parts: data === undefined ? [textPart(text)] : [textPart(text), dataPart(data)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  }
}

function now(): string {
  return new Date().toISOString()
}
