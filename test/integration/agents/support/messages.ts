import { type Message, Role, type SendMessageRequest, type Task } from '@a2a-js/sdk'
import { dataPart, textOf, textPart } from '../../../../agents/a2a/parts.ts'

/** A user message as the SDK's client sends it. */
export function userMessage(parts: Message['parts']): Message {
  return {
    messageId: crypto.randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  }
}

/** A plain-text request. */
export function textRequest(text: string): SendMessageRequest {
  return request(userMessage([textPart(text)]))
}

/** A structured skill call: one data part, naming the skill when `skillId` is given. */
export function dataRequest(data: Record<string, unknown>, skillId?: string): SendMessageRequest {
  const part = dataPart(data)
  if (skillId !== undefined) part.metadata = { skillId }
  return request(userMessage([part]))
}

/** The text of a task's first artifact, its chunks joined. */
export function answerText(task: Task): string {
  return (task.artifacts[0]?.parts ?? [])
    .map(textOf)
    .filter((text) => text !== undefined)
    .join('')
}

/** The text of a task's status message, e.g. why it failed. */
export function statusText(task: Task): string {
  return (task.status?.message?.parts ?? [])
    .map(textOf)
    .filter((text) => text !== undefined)
    .join('')
}

function request(message: Message): SendMessageRequest {
  return { tenant: '', message, configuration: undefined, metadata: undefined }
}
